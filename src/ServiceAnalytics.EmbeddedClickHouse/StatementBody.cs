using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;

namespace ServiceAnalytics.EmbeddedClickHouse;

/// <summary>
/// Splits a request body the way ClickHouse's HTTP interface does: either one statement, or an
/// <c>INSERT INTO … FORMAT name</c> line followed by the data, which is streamed to the engine rather than read
/// whole. The header ends at the first line break after <c>FORMAT name</c>, as in ClickHouse.
/// </summary>
internal abstract partial class StatementBody
{
    /// <summary>Longest INSERT header looked for; a longer statement is executed as plain text.</summary>
    private const int MaxInsertHeaderBytes = 256 * 1024;

    /// <summary>Largest plain statement accepted (ClickHouse's default max_query_size is far smaller).</summary>
    internal const int MaxStatementBytes = 64 * 1024 * 1024;

    private StatementBody()
    {
    }

    /// <summary>A statement executed as a whole.</summary>
    public sealed class Plain(byte[] sql, int length) : StatementBody
    {
        public ReadOnlyMemory<byte> Sql { get; } = sql.AsMemory(0, length);
    }

    /// <summary>An INSERT whose data follows: the bytes already read past the header, then the rest of the stream.</summary>
    public sealed class Insert(string statement, string format, ReadOnlyMemory<byte> dataPrefix, Stream dataRest) : StatementBody
    {
        /// <summary><c>INSERT INTO target (columns)</c>, without FORMAT and data.</summary>
        public string Statement { get; } = statement;

        public string Format { get; } = format;

        public ReadOnlyMemory<byte> DataPrefix { get; } = dataPrefix;

        public Stream DataRest { get; } = dataRest;
    }

    public static async Task<StatementBody> ReadAsync(string? queryText, Stream body, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        if (queryText is not null)
        {
            // ClickHouse reads the `query` parameter first and the body after it, separated by a line break.
            Encoding.UTF8.GetBytes(queryText + "\n", buffer);
        }

        var scanned = 0;
        var mayBeInsert = true;
        while (true)
        {
            if (mayBeInsert)
            {
                var decision = FindInsertHeader(buffer.WrittenSpan, ref scanned);
                if (decision is InsertHeader header)
                {
                    var prefix = buffer.WrittenMemory[(header.End + 1)..];
                    return new Insert(header.Statement, header.Format, prefix, body);
                }

                mayBeInsert = decision is null;
            }

            if (buffer.WrittenCount > MaxStatementBytes)
            {
                throw new EmbeddedEngineException(
                    62, $"Code: 62. DB::Exception: Statement is longer than {MaxStatementBytes} bytes. (SYNTAX_ERROR)");
            }

            var read = await body.ReadAsync(buffer.GetMemory(64 * 1024), cancellationToken);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
        }

        if (mayBeInsert && FindInsertHeader(buffer.WrittenSpan, ref scanned, atEnd: true) is InsertHeader last)
        {
            return new Insert(last.Statement, last.Format, ReadOnlyMemory<byte>.Empty, Stream.Null);
        }

        var sql = buffer.WrittenSpan.ToArray();
        return new Plain(sql, sql.Length);
    }

    private sealed record InsertHeader(string Statement, string Format, int End);

    private sealed record NotInsert;

    /// <summary>
    /// Null: undecided, read more. <see cref="InsertHeader"/>: found. <see cref="NotInsert"/>: this body is a plain
    /// statement (it does not start with INSERT, or no header line appeared in the first bytes).
    /// </summary>
    private static object? FindInsertHeader(ReadOnlySpan<byte> data, ref int scanned, bool atEnd = false)
    {
        var start = 0;
        while (start < data.Length && char.IsWhiteSpace((char)data[start]))
        {
            start++;
        }

        if (data.Length - start < 6)
        {
            return atEnd ? new NotInsert() : null;
        }

        if (!Ascii.EqualsIgnoreCase(data.Slice(start, 6), "INSERT"u8))
        {
            return new NotInsert();
        }

        scanned = Math.Max(scanned, start);
        while (true)
        {
            var newline = data[scanned..].IndexOf((byte)'\n');
            var end = newline >= 0 ? scanned + newline : (atEnd ? data.Length : -1);
            if (end < 0)
            {
                return data.Length > MaxInsertHeaderBytes ? new NotInsert() : null;
            }

            var line = Encoding.UTF8.GetString(data[start..end]);
            var match = InsertWithFormat().Match(line);
            if (match.Success)
            {
                return new InsertHeader(match.Groups["statement"].Value, match.Groups["format"].Value, end);
            }

            if (end >= data.Length || end > MaxInsertHeaderBytes)
            {
                return new NotInsert();
            }

            scanned = end + 1;
        }
    }

    [GeneratedRegex(@"^(?<statement>INSERT\s+INTO\s+[\s\S]+?)\s+FORMAT\s+(?<format>[A-Za-z][A-Za-z0-9_]*)\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex InsertWithFormat();
}
