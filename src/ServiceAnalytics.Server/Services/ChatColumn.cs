using System.Globalization;
using System.Text;
using Google.Protobuf.Reflection;
using Parquet;
using Parquet.Schema;
using ServiceAnalytics.Contracts.Query.V1;

namespace ServiceAnalytics.Server.Services;

/// <summary>
/// A column of the All Chats export (docs/metrics.md, "All Chats", "Export"): one per <see cref="ChatRow"/> field, in
/// its declaration order and under its name, with the field's text as the list shows it over JSON (enum value names,
/// UTC instants, tags joined by <c>|</c>) for the CSV (<see cref="ChatCsv"/>) and its typed Parquet field and values
/// (<see cref="ChatParquet"/>). Both formats are written from <see cref="All"/>, so they cannot disagree on the columns;
/// a CSV record is read back into its row with <see cref="Read"/> (the <c>export</c> command's Parquet made from the
/// service's CSV).
/// </summary>
internal sealed class ChatColumn
{
    private static readonly EnumDescriptor s_statuses = ChatRow.Descriptor.FindFieldByNumber(ChatRow.StatusFieldNumber).EnumType;

    private static readonly EnumDescriptor s_types = ChatRow.Descriptor.FindFieldByNumber(ChatRow.TypeFieldNumber).EnumType;

    /// <summary>How an instant is written: UTC, milliseconds, as the list's JSON shows it.</summary>
    private const string InstantFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    private readonly Func<ChatRow, string> _text;

    private readonly Action<ChatRow, string> _read;

    private readonly Func<ParquetRowGroupWriter, IReadOnlyList<ChatRow>, CancellationToken, Task> _write;

    private ChatColumn(
        string name, Field parquetField, Func<ChatRow, string> text, Action<ChatRow, string> read,
        Func<ParquetRowGroupWriter, IReadOnlyList<ChatRow>, CancellationToken, Task> write)
    {
        Name = name;
        ParquetField = parquetField;
        _text = text;
        _read = read;
        _write = write;
    }

    /// <summary>The export's columns, <see cref="ChatRow"/>'s fields in declaration order.</summary>
    public static IReadOnlyList<ChatColumn> All { get; } =
    [
        Text(ChatRow.ChatIdFieldNumber, r => r.ChatId, (r, v) => r.ChatId = v),
        Text(ChatRow.CustomerIdFieldNumber, r => r.CustomerId, (r, v) => r.CustomerId = v),
        Value(
            ChatRow.ReceivedAtFieldNumber, r => r.ReceivedAt.ToDateTime(), at => at.ToString(InstantFormat, CultureInfo.InvariantCulture),
            text => DateTime.ParseExact(text, InstantFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
            (r, at) => r.ReceivedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(at),
            name => new DateTimeDataField(name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Millis)),
        Text(ChatRow.StatusFieldNumber, r => s_statuses.FindValueByNumber((int)r.Status).Name, (r, v) => r.Status = (ChatStatus)Named(s_statuses, v)),
        Text(ChatRow.TypeFieldNumber, r => s_types.FindValueByNumber((int)r.Type).Name, (r, v) => r.Type = (ChatType)Named(s_types, v)),
        Tags(),
        Text(ChatRow.CurrentAgentIdFieldNumber, r => r.CurrentAgentId, (r, v) => r.CurrentAgentId = v),
        Optional(
            ChatRow.FirstResponseSecondsFieldNumber, r => r.HasFirstResponseSeconds ? r.FirstResponseSeconds : null, s => s.ToString("R", CultureInfo.InvariantCulture),
            text => double.Parse(text, CultureInfo.InvariantCulture), (r, s) => r.FirstResponseSeconds = s),
        Value(ChatRow.RatingFieldNumber, r => r.Rating, stars => stars.ToString(CultureInfo.InvariantCulture), Int, (r, v) => r.Rating = v),
        Value(ChatRow.ConvertedFieldNumber, r => r.Converted, converted => converted ? "true" : "false", bool.Parse, (r, v) => r.Converted = v),
        Value(ChatRow.MatchingInquiriesFieldNumber, r => r.MatchingInquiries, n => n.ToString(CultureInfo.InvariantCulture), Long, (r, v) => r.MatchingInquiries = v),
        Value(ChatRow.MatchingTransfersFieldNumber, r => r.MatchingTransfers, n => n.ToString(CultureInfo.InvariantCulture), Long, (r, v) => r.MatchingTransfers = v),
    ];

    /// <summary>The <see cref="ChatRow"/> field's name: the CSV header's and the Parquet column's.</summary>
    public string Name { get; }

    /// <summary>The column in a Parquet schema.</summary>
    public Field ParquetField { get; }

    /// <summary>The row's value as CSV text, before quoting.</summary>
    public string TextOf(ChatRow row) => _text(row);

    /// <summary>Sets the row's field from its CSV text (<see cref="TextOf"/> read back, unquoted).</summary>
    /// <exception cref="FormatException">The text is not a value of the column.</exception>
    public void Read(ChatRow row, string text) => _read(row, text);

    /// <summary>Writes the rows' values of this column into <paramref name="rowGroup"/>, the column that comes next in its schema.</summary>
    public Task WriteAsync(ParquetRowGroupWriter rowGroup, IReadOnlyList<ChatRow> rows, CancellationToken cancellationToken) => _write(rowGroup, rows, cancellationToken);

    private static string NameOf(int fieldNumber) => ChatRow.Descriptor.FindFieldByNumber(fieldNumber).Name;

    private static int Int(string text) => int.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    private static long Long(string text) => long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    private static int Named(EnumDescriptor type, string name) =>
        type.FindValueByName(name)?.Number ?? throw new FormatException($"'{name}' is not a value of {type.Name}.");

    private static ChatColumn Text(int fieldNumber, Func<ChatRow, string> value, Action<ChatRow, string> set)
    {
        var field = new DataField<string>(NameOf(fieldNumber), nullable: false);
        return new(field.Name, field, value, set, (group, rows, _) => group.WriteAsync(field, [.. rows.Select(value)]));
    }

    private static ChatColumn Value<T>(
        int fieldNumber, Func<ChatRow, T> value, Func<T, string> text, Func<string, T> parse, Action<ChatRow, T> set, Func<string, DataField>? parquetField = null)
        where T : struct
    {
        var field = parquetField?.Invoke(NameOf(fieldNumber)) ?? new DataField<T>(NameOf(fieldNumber), nullable: false);
        return new(field.Name, field, row => text(value(row)), (row, cell) => set(row, parse(cell)), (group, rows, cancellationToken) =>
            group.WriteAsync<T>(field, rows.Select(value).ToArray().AsMemory(), null, null, cancellationToken));
    }

    /// <summary>A value that may be unset: an empty CSV field, a Parquet null.</summary>
    private static ChatColumn Optional<T>(int fieldNumber, Func<ChatRow, T?> value, Func<T, string> text, Func<string, T> parse, Action<ChatRow, T> set)
        where T : struct
    {
        var field = new DataField<T?>(NameOf(fieldNumber));
        return new(
            field.Name, field, row => value(row) is { } given ? text(given) : "",
            (row, cell) =>
            {
                if (cell.Length > 0)
                {
                    set(row, parse(cell));
                }
            },
            (group, rows, cancellationToken) => group.WriteAsync<T>(field, rows.Select(value).ToArray().AsMemory(), null, null, cancellationToken));
    }

    /// <summary>
    /// The tags: in CSV one field, joined by <c>|</c> with <c>|</c> and <c>\</c> escaped by a backslash; in Parquet a
    /// list of strings (a row's values follow each other, repetition level 0 starting a row; no tags is one null).
    /// </summary>
    private static ChatColumn Tags()
    {
        var name = NameOf(ChatRow.TagsFieldNumber);
        var list = new ListField(name, new DataField<string>(ListField.ElementName));
        var element = (DataField)list.Item;
        return new(name, list, row => string.Join('|', row.Tags.Select(Escape)), (row, cell) => row.Tags.Add(Unescape(cell)), (group, rows, _) =>
        {
            var values = new List<string?>(rows.Count);
            var levels = new List<int>(rows.Count);
            foreach (var row in rows)
            {
                if (row.Tags.Count == 0)
                {
                    values.Add(null);
                    levels.Add(0);
                    continue;
                }

                values.AddRange(row.Tags);
                levels.AddRange(row.Tags.Select((_, i) => i == 0 ? 0 : 1));
            }

            return group.WriteAsync(element, values, levels.ToArray());
        });

        static string Escape(string tag) => tag.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("|", @"\|", StringComparison.Ordinal);

        static List<string> Unescape(string cell)
        {
            var tags = new List<string>();
            if (cell.Length == 0)
            {
                return tags;
            }

            var tag = new StringBuilder();
            for (var i = 0; i < cell.Length; i++)
            {
                if (cell[i] == '\\' && i + 1 < cell.Length)
                {
                    tag.Append(cell[++i]);
                }
                else if (cell[i] == '|')
                {
                    tags.Add(tag.ToString());
                    tag.Clear();
                }
                else
                {
                    tag.Append(cell[i]);
                }
            }

            tags.Add(tag.ToString());
            return tags;
        }
    }
}
