using System.Text;
using System.Text.RegularExpressions;

namespace ServiceAnalytics.EmbeddedClickHouse;

/// <summary>
/// One chDB connection. It runs one statement at a time, so it is only ever used by the caller that rented it
/// from <see cref="EmbeddedEngine"/>. It remembers its current database and the settings it was given, so a
/// request's database and settings cost a <c>USE</c>/<c>SET</c> only when they differ from the previous request's.
/// </summary>
internal sealed unsafe partial class EmbeddedConnection
{
    private readonly nint _slot;
    private readonly Dictionary<string, string> _settings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _openedWith;
    private string _database = "default";

    private EmbeddedConnection(nint slot, Dictionary<string, string> openedWith)
    {
        _slot = slot;
        _openedWith = openedWith;
    }

    private nint Handle => *(nint*)_slot;

    /// <summary>Opens a connection; <paramref name="settings"/> become <c>--name=value</c> arguments, held for its life.</summary>
    public static EmbeddedConnection Open(string dataPath, IReadOnlyList<KeyValuePair<string, string>> settings)
    {
        string[] arguments = ["clickhouse", $"--path={dataPath}", .. settings.Select(s => $"--{CheckArgumentSetting(s.Key, s.Value)}={s.Value}")];
        using var argv = new NativeUtf8ArgumentVector(arguments);
        // The first connection boots the engine, which takes the runtime's SIGRTMIN (see RuntimeSignalHandlers).
        var handlers = RuntimeSignalHandlers.Read();
        var slot = ChdbNative.Connect(arguments.Length, argv.Pointer);
        RuntimeSignalHandlers.RestoreReplacedByEngine(handlers);
        if (slot == 0 || *(nint*)slot == 0)
        {
            throw new EmbeddedEngineUnavailableException(
                $"The embedded ClickHouse engine could not open its data folder '{dataPath}'. Check that the folder is " +
                "writable and that no other process uses it (one engine per folder).");
        }

        return new EmbeddedConnection(slot, settings.ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal));
    }

    /// <summary>Closes the connection; only at process exit (see <see cref="EmbeddedEngine"/>).</summary>
    public void Close() => ChdbNative.CloseConnection(_slot);

    /// <summary>
    /// Switches database and settings to what the request asks for. Settings it no longer names go back to what the
    /// connection was opened with, else to their defaults: <c>SET x = DEFAULT</c> alone would drop an opening
    /// argument too (a BI connection's <c>max_threads</c>, <c>priority</c> and time limit would lapse after the first
    /// statement that sent them itself).
    /// </summary>
    public void Prepare(string database, IReadOnlyDictionary<string, string> settings)
    {
        if (!string.Equals(database, _database, StringComparison.Ordinal))
        {
            // USE takes no bound parameter: the name must be a plain identifier before it is quoted.
            if (!DatabaseName().IsMatch(database))
            {
                throw new EmbeddedEngineException(81, $"Code: 81. DB::Exception: Database name '{database}' is not a plain identifier. (UNKNOWN_DATABASE)");
            }

            ExecuteControl($"USE {QuoteIdentifier(database)}");
            _database = database;
        }

        foreach (var stale in _settings.Keys.Where(name => !settings.ContainsKey(name)).ToList())
        {
            ExecuteControl(_openedWith.TryGetValue(stale, out var opening)
                ? $"SET {CheckSettingName(stale)} = {QuoteString(opening)}"
                : $"SET {CheckSettingName(stale)} = DEFAULT");
            _settings.Remove(stale);
        }

        foreach (var (name, value) in settings)
        {
            if (!_settings.TryGetValue(name, out var current) || current != value)
            {
                // SET takes no bound parameter either; setting values come from the driver and the service's code,
                // and are additionally held to a plain pattern before they are quoted as a literal. The one
                // exception is additional_table_filters (a map literal the BI runner builds, its values quoted by
                // the runner): its value is only ever one string literal here, quoted exactly by QuoteString.
                if (!string.Equals(name, "additional_table_filters", StringComparison.Ordinal) && !SettingValue().IsMatch(value))
                {
                    throw new EmbeddedEngineException(36, $"Code: 36. DB::Exception: Value of setting '{name}' is not a plain value. (BAD_ARGUMENTS)");
                }

                ExecuteControl($"SET {CheckSettingName(name)} = {QuoteString(value)}");
                _settings[name] = value;
            }
        }
    }

    /// <summary>Runs one statement with <c>{name:Type}</c> parameters bound by the engine.</summary>
    public NativeResult Execute(ReadOnlySpan<byte> sql, string format, IReadOnlyList<KeyValuePair<string, string>> parameters) =>
        new(CallWithParameters(&ChdbNative.QueryWithParams, sql, format, parameters));

    /// <summary>Opens a streaming INSERT (statement without FORMAT and data); the data is appended afterwards.</summary>
    public NativeInsertStream BeginInsert(ReadOnlySpan<byte> statement, string format, IReadOnlyList<KeyValuePair<string, string>> parameters) =>
        new(CallWithParameters(&ChdbNative.StreamInsertWithParams, statement, format, parameters));

    /// <summary>
    /// Calls one of chDB's two "statement with bound parameters" entry points (they share one signature), keeping the
    /// statement, format and parameter arrays pinned for the call; returns the native handle the entry point gives.
    /// </summary>
    private nint CallWithParameters(
        delegate*<nint, byte*, nuint, byte*, nuint, byte**, nuint*, byte**, nuint*, nuint, nint> entryPoint,
        ReadOnlySpan<byte> statement, string format, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        using var names = new NativeUtf8Array([.. parameters.Select(p => p.Key)]);
        using var values = new NativeUtf8Array([.. parameters.Select(p => p.Value)]);
        var formatBytes = Encoding.UTF8.GetBytes(format);
        fixed (byte* statementPointer = statement)
        fixed (byte* formatPointer = formatBytes)
        {
            return entryPoint(
                Handle, statementPointer, (nuint)statement.Length, formatPointer, (nuint)formatBytes.Length,
                names.Pointers, names.Lengths, values.Pointers, values.Lengths, (nuint)names.Count);
        }
    }

    /// <summary>Runs a statement whose text this class built itself and whose output is not needed.</summary>
    public void ExecuteControl(string sql)
    {
        using var result = Execute(Encoding.UTF8.GetBytes(sql), "TSV", []).ThrowIfFailed();
    }

    /// <summary>Runs a statement this class built and returns its TSV output as text.</summary>
    public string QueryText(string sql)
    {
        using var result = Execute(Encoding.UTF8.GetBytes(sql), "TSVRaw", []).ThrowIfFailed();
        return Encoding.UTF8.GetString(new ReadOnlySpan<byte>(result.Buffer, checked((int)result.Length))).TrimEnd('\n');
    }

    internal static string QuoteIdentifier(string name) => "`" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("`", "\\`", StringComparison.Ordinal) + "`";

    internal static string QuoteString(string value) => "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    /// <summary>
    /// Holds a connection argument to a plain name and value: arguments are not quoted, so a value with a space
    /// or an <c>=</c> could become a second argument. Returns the name.
    /// </summary>
    internal static string CheckArgumentSetting(string name, string value) =>
        SettingValue().IsMatch(value)
            ? CheckSettingName(name)
            : throw new ArgumentException($"Connection setting '{name}' has a value that is not a plain word or number: '{value}'.", nameof(value));

    private static string CheckSettingName(string name) =>
        SettingName().IsMatch(name)
            ? name
            : throw new EmbeddedEngineException(115, $"Code: 115. DB::Exception: Unknown setting '{name}'. (UNKNOWN_SETTING)");

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex SettingName();

    [GeneratedRegex("^[A-Za-z0-9_.:/+-]{0,256}$")]
    private static partial Regex SettingValue();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
    private static partial Regex DatabaseName();

    /// <summary>A NUL-terminated <c>argv</c> for <c>chdb_connect</c>.</summary>
    private sealed class NativeUtf8ArgumentVector : IDisposable
    {
        private readonly nint[] _strings;
        private readonly nint* _vector;

        public NativeUtf8ArgumentVector(string[] arguments)
        {
            _strings = [.. arguments.Select(System.Runtime.InteropServices.Marshal.StringToCoTaskMemUTF8)];
            _vector = (nint*)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)((_strings.Length + 1) * sizeof(nint)));
            for (var i = 0; i < _strings.Length; i++)
            {
                _vector[i] = _strings[i];
            }

            _vector[_strings.Length] = 0;
        }

        public nint* Pointer => _vector;

        public void Dispose()
        {
            foreach (var s in _strings)
            {
                System.Runtime.InteropServices.Marshal.FreeCoTaskMem(s);
            }

            System.Runtime.InteropServices.NativeMemory.Free(_vector);
        }
    }
}

/// <summary>A chDB streaming INSERT: append data chunks, then <see cref="Complete"/> commits, or dispose cancels.</summary>
internal sealed unsafe class NativeInsertStream : IDisposable
{
    private nint _handle;
    private bool _completed;

    public NativeInsertStream(nint handle)
    {
        _handle = handle;
        if (ChdbNative.ReadString(ChdbNative.StreamInsertError(handle)) is { } error)
        {
            Dispose();
            throw EmbeddedEngineException.FromEngineMessage(error);
        }
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        fixed (byte* pointer = data)
        {
            if (ChdbNative.StreamAppend(_handle, pointer, (nuint)data.Length) != 0)
            {
                var error = ChdbNative.ReadString(ChdbNative.StreamInsertError(_handle)) ?? "the insert stream refused more data";
                throw EmbeddedEngineException.FromEngineMessage(error);
            }
        }
    }

    /// <summary>Ends the input and commits; the result carries the write statistics.</summary>
    public NativeResult Complete()
    {
        _completed = true;
        return new NativeResult(ChdbNative.StreamDone(_handle)).ThrowIfFailed();
    }

    public void Dispose()
    {
        var handle = Interlocked.Exchange(ref _handle, 0);
        if (handle == 0)
        {
            return;
        }

        if (!_completed)
        {
            ChdbNative.StreamCancelInsert(handle);
        }

        ChdbNative.DestroyInsertStream(handle);
    }
}
