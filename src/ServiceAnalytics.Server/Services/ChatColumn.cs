using System.Globalization;
using Google.Protobuf.Reflection;
using Parquet;
using Parquet.Schema;
using ServiceAnalytics.Contracts.Query.V1;

namespace ServiceAnalytics.Server.Services;

/// <summary>
/// A column of the All Chats export (docs/metrics.md, "All Chats", "Export"): one per <see cref="ChatRow"/> field, in
/// its declaration order and under its name, with the field's text as the list shows it over JSON (enum value names,
/// UTC instants, tags joined by <c>|</c>) for the CSV (<see cref="ChatCsv"/>) and its typed Parquet field and values
/// (<see cref="ChatParquet"/>). Both formats are written from <see cref="All"/>, so they cannot disagree on the columns.
/// </summary>
internal sealed class ChatColumn
{
    private static readonly EnumDescriptor s_statuses = ChatRow.Descriptor.FindFieldByNumber(ChatRow.StatusFieldNumber).EnumType;

    private static readonly EnumDescriptor s_types = ChatRow.Descriptor.FindFieldByNumber(ChatRow.TypeFieldNumber).EnumType;

    private readonly Func<ChatRow, string> _text;

    private readonly Func<ParquetRowGroupWriter, IReadOnlyList<ChatRow>, CancellationToken, Task> _write;

    private ChatColumn(string name, Field parquetField, Func<ChatRow, string> text, Func<ParquetRowGroupWriter, IReadOnlyList<ChatRow>, CancellationToken, Task> write)
    {
        Name = name;
        ParquetField = parquetField;
        _text = text;
        _write = write;
    }

    /// <summary>The export's columns, <see cref="ChatRow"/>'s fields in declaration order.</summary>
    public static IReadOnlyList<ChatColumn> All { get; } =
    [
        Text(ChatRow.ChatIdFieldNumber, r => r.ChatId),
        Text(ChatRow.CustomerIdFieldNumber, r => r.CustomerId),
        Value(
            ChatRow.ReceivedAtFieldNumber, r => r.ReceivedAt.ToDateTime(), at => at.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            name => new DateTimeDataField(name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Millis)),
        Text(ChatRow.StatusFieldNumber, r => s_statuses.FindValueByNumber((int)r.Status).Name),
        Text(ChatRow.TypeFieldNumber, r => s_types.FindValueByNumber((int)r.Type).Name),
        Tags(),
        Text(ChatRow.CurrentAgentIdFieldNumber, r => r.CurrentAgentId),
        Optional<double>(ChatRow.FirstResponseSecondsFieldNumber, r => r.HasFirstResponseSeconds ? r.FirstResponseSeconds : null, s => s.ToString("R", CultureInfo.InvariantCulture)),
        Value(ChatRow.RatingFieldNumber, r => r.Rating, stars => stars.ToString(CultureInfo.InvariantCulture)),
        Value(ChatRow.ConvertedFieldNumber, r => r.Converted, converted => converted ? "true" : "false"),
        Value(ChatRow.MatchingInquiriesFieldNumber, r => r.MatchingInquiries, n => n.ToString(CultureInfo.InvariantCulture)),
        Value(ChatRow.MatchingTransfersFieldNumber, r => r.MatchingTransfers, n => n.ToString(CultureInfo.InvariantCulture)),
    ];

    /// <summary>The <see cref="ChatRow"/> field's name: the CSV header's and the Parquet column's.</summary>
    public string Name { get; }

    /// <summary>The column in a Parquet schema.</summary>
    public Field ParquetField { get; }

    /// <summary>The row's value as CSV text, before quoting.</summary>
    public string TextOf(ChatRow row) => _text(row);

    /// <summary>Writes the rows' values of this column into <paramref name="rowGroup"/>, the column that comes next in its schema.</summary>
    public Task WriteAsync(ParquetRowGroupWriter rowGroup, IReadOnlyList<ChatRow> rows, CancellationToken cancellationToken) => _write(rowGroup, rows, cancellationToken);

    private static string NameOf(int fieldNumber) => ChatRow.Descriptor.FindFieldByNumber(fieldNumber).Name;

    private static ChatColumn Text(int fieldNumber, Func<ChatRow, string> value)
    {
        var field = new DataField<string>(NameOf(fieldNumber), nullable: false);
        return new(field.Name, field, value, (group, rows, _) => group.WriteAsync(field, [.. rows.Select(value)]));
    }

    private static ChatColumn Value<T>(int fieldNumber, Func<ChatRow, T> value, Func<T, string> text, Func<string, DataField>? parquetField = null)
        where T : struct
    {
        var field = parquetField?.Invoke(NameOf(fieldNumber)) ?? new DataField<T>(NameOf(fieldNumber), nullable: false);
        return new(field.Name, field, row => text(value(row)), (group, rows, cancellationToken) =>
            group.WriteAsync<T>(field, rows.Select(value).ToArray().AsMemory(), null, null, cancellationToken));
    }

    /// <summary>A value that may be unset: an empty CSV field, a Parquet null.</summary>
    private static ChatColumn Optional<T>(int fieldNumber, Func<ChatRow, T?> value, Func<T, string> text)
        where T : struct
    {
        var field = new DataField<T?>(NameOf(fieldNumber));
        return new(field.Name, field, row => value(row) is { } set ? text(set) : "", (group, rows, cancellationToken) =>
            group.WriteAsync<T>(field, rows.Select(value).ToArray().AsMemory(), null, null, cancellationToken));
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
        return new(name, list, row => string.Join('|', row.Tags.Select(Escape)), (group, rows, _) =>
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
    }
}
