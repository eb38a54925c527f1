using System.Globalization;
using System.Text;
using Google.Protobuf;
using ServiceAnalytics.Contracts.Query.V1;
using ServiceAnalytics.Storage.Outcomes;

namespace ServiceAnalytics.Server.Services;

/// <summary>
/// All Chats as CSV (docs/metrics.md, "All Chats", "Export"): one record per <see cref="ChatRow"/>, its fields as
/// the list shows them over JSON (<see cref="ChatColumn"/>: enum value names, UTC instants), quoted as RFC 4180 says, and made inert for
/// spreadsheets. Records are collected into chunks of whole records, so the export sends a few large messages
/// instead of one per chat while holding no more than a chunk.
/// </summary>
internal sealed class ChatCsv
{
    /// <summary>The size past which a chunk is sent: large enough that per-message costs vanish, small enough to hold.</summary>
    public const int ChunkChars = 64 * 1024;

    public const string ContentType = "text/csv; charset=utf-8";

    /// <summary>The header record: the columns' names (<see cref="ChatColumn.All"/>), in their order.</summary>
    private static readonly string s_header = string.Join(',', ChatColumn.All.Select(c => c.Name));

    private readonly StringBuilder _chunk = new(ChunkChars + 4096);

    public ChatCsv() => _chunk.Append(s_header);

    /// <summary>Whether the chunk has grown past <see cref="ChunkChars"/> and should be sent.</summary>
    public bool IsFull => _chunk.Length >= ChunkChars;

    /// <summary>Whether records were collected since the last <see cref="Take"/>.</summary>
    public bool IsEmpty => _chunk.Length == 0;

    /// <summary>The file name a download is saved under: <c>chats-{shop}-{first_day}-{last_day}.csv</c>, in safe characters.</summary>
    public static string FileName(string shopId, DayPeriod period) => string.Create(CultureInfo.InvariantCulture,
        $"chats-{new string([.. shopId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')])}-{period.FirstDay:yyyy-MM-dd}-{period.LastDay:yyyy-MM-dd}.csv");

    public void Append(ChatRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (_chunk.Length > 0)
        {
            _chunk.Append('\n');
        }

        for (var i = 0; i < ChatColumn.All.Count; i++)
        {
            if (i > 0)
            {
                _chunk.Append(',');
            }

            Cell(ChatColumn.All[i].TextOf(row));
        }
    }

    /// <summary>The records collected since the last call, as a message of the export, and an empty chunk.</summary>
    public Google.Api.HttpBody Take()
    {
        var body = new Google.Api.HttpBody { ContentType = ContentType, Data = ByteString.CopyFromUtf8(_chunk.ToString()) };
        _chunk.Clear();
        return body;
    }

    /// <summary>
    /// Appends one field. A value a spreadsheet would take for a formula (starting with <c>=</c>, <c>+</c>, <c>-</c>,
    /// <c>@</c>, tab or carriage return, as OWASP lists them) gets a leading single quote, and so does a value that
    /// already starts with one, so a reader restores every value by removing one leading quote where there is one.
    /// A value holding a comma, a quote, a line break or that leading quote is quoted, its quotes doubled.
    /// </summary>
    private StringBuilder Cell(string value)
    {
        var inert = value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' or '\'';
        if (!inert && value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            return _chunk.Append(value);
        }

        return _chunk.Append('"').Append(inert ? "'" : "").Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }
}
