using System.Text.Encodings.Web;
using System.Text.Json;

namespace ServiceAnalytics.Server.Commands.Import;

/// <summary>
/// A line that was not imported: its number; why: the validator's field path and reason, or, for a line that is not a
/// <c>Fact</c> in the proto3 JSON mapping at all (malformed JSON, an unknown field, a wrong type, too long, not UTF-8),
/// no field and the parser's reason; the event id when the line was read; and the line itself (not when too long).
/// </summary>
public sealed record RejectedLine(long Line, string? Field, string Reason, string? EventId, string? Text);

/// <summary>
/// The rejects file: one JSON object per rejected line, in line order —
/// <c>{"line":12,"field":"occurred_at","reason":"is required","eventId":"e-12","text":"{…}"}</c>
/// (<c>"field":null</c> for a malformed line). A new import
/// starts it afresh; a resumed one appends to it. Each batch's rejections are flushed before the state file records
/// the batch, so a crash can at worst repeat the last batch's rejections, never lose one. A file this run created and
/// left empty is removed.
/// </summary>
public sealed class RejectsFile : IAsyncDisposable
{
    private static readonly JsonWriterOptions s_options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly FileStream _file;

    private readonly bool _created;

    private RejectsFile(string path, FileStream file, bool created)
    {
        Path = path;
        _file = file;
        _created = created;
    }

    public string Path { get; }

    /// <summary>Rejected lines written so far by this run.</summary>
    public long Count { get; private set; }

    /// <summary>The default rejects file of <paramref name="input"/>: beside it, <c>&lt;input&gt;.rejects.ndjson</c>.</summary>
    public static string DefaultPath(string input) => input + ".rejects.ndjson";

    public static RejectsFile Open(string path, bool append)
    {
        // Only a file this run creates is removed when left empty: never one that was there (/dev/null, a pipe, an
        // earlier run's file).
        var created = !File.Exists(path);
        return new(path, new FileStream(path, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.Read), created);
    }

    public async Task WriteAsync(IEnumerable<RejectedLine> rejected, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rejected);
        var buffer = new MemoryStream();
        foreach (var line in rejected)
        {
            using (var json = new Utf8JsonWriter(buffer, s_options))
            {
                json.WriteStartObject();
                json.WriteNumber("line", line.Line);
                json.WriteString("field", line.Field);
                json.WriteString("reason", line.Reason);
                if (line.EventId is { Length: > 0 })
                {
                    json.WriteString("eventId", line.EventId);
                }

                if (line.Text is not null)
                {
                    json.WriteString("text", line.Text);
                }

                json.WriteEndObject();
            }

            buffer.WriteByte((byte)'\n');
            Count++;
        }

        if (buffer.Length > 0)
        {
            await _file.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
            await _file.FlushAsync(cancellationToken);
        }
    }

    /// <summary>Closes the file, and removes it when it holds no rejected line (of this run or of the run it resumes): no file, nothing rejected.</summary>
    public async ValueTask DisposeAsync()
    {
        var empty = _created && _file.Length == 0;
        await _file.DisposeAsync();
        if (empty)
        {
            try
            {
                File.Delete(Path);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // An empty file left behind is harmless; the import's outcome stands.
            }
        }
    }
}
