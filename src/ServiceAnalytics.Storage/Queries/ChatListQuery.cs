using System.Data.Common;
using ClickHouse.Driver.Utility;
using ServiceAnalytics.Storage.Outcomes;

namespace ServiceAnalytics.Storage.Queries;

/// <summary>
/// A chat in the All Chats list; categories and statuses as stored codes. <see cref="MatchingInquiries"/> and
/// <see cref="MatchingTransfers"/>: how many of its inquiries and transfers match the list's inquiry and transfer filters.
/// </summary>
public sealed record ChatListRow(
    string ChatId, string CustomerId, DateTime ReceivedAt, string Status, string ChatType, IReadOnlyList<string> Tags,
    string CurrentAgent, double? FirstResponseSeconds, int Stars, bool Converted, long MatchingInquiries, long MatchingTransfers)
{
    /// <summary>The columns a row is read from, by <see cref="Read"/>.</summary>
    internal const string Columns = """
        chat_id, customer_id, received_at, status, chat_type, tags, current_agent, first_response_ms, stars, converted,
        matching_inquiries, matching_transfers
        """;

    /// <summary>A row of a statement selecting <see cref="Columns"/>.</summary>
    internal static ChatListRow Read(DbDataReader reader) => new(
        reader.String("chat_id"), reader.String("customer_id"), reader.DateTime("received_at"), reader.String("status"), reader.String("chat_type"),
        reader.Strings("tags"), reader.String("current_agent"), reader.NullableDouble("first_response_ms") / 1000,
        reader.Int("stars"), reader.Bool("converted"), reader.Long("matching_inquiries"), reader.Long("matching_transfers"));
}

/// <summary>
/// A page of the All Chats list and the size of the whole filtered list, whatever the page: chats, the sums of the
/// rows' matching inquiries and transfers, and distinct known customers — what a count of the other RPCs drills into.
/// </summary>
public sealed record ChatListPage(IReadOnlyList<ChatListRow> Rows, long Total, long MatchingInquiries, long MatchingTransfers, long Customers);

/// <summary>Where a page of the list continues: after this chat in the list's order (newest first, then chat id descending).</summary>
public sealed record ChatListCursor(DateTime ReceivedAt, string ChatId);

/// <summary>ListChats: the All Chats list, a page at a time.</summary>
public sealed partial class MetricQueries
{
    /// <summary>
    /// The totals of the <see cref="ChatListFilter.Matches"/> rows, <c>totals</c>: chats, matching inquiries and
    /// transfers, known customers; selected by <see cref="ChatListTotalColumns"/>.
    /// </summary>
    private const string ChatListTotals = $$"""
        (SELECT tuple(count(), sum(matching_inquiries), sum(matching_transfers), uniqExactIf(customer_id, customer_id != ''))
         FROM ({{ChatListFilter.Matches}})) AS totals
        """;

    /// <summary>The columns of <see cref="ChatListTotals"/>, named.</summary>
    private const string ChatListTotalColumns =
        "totals.1 AS total_chats, totals.2 AS total_matching_inquiries, totals.3 AS total_matching_transfers, totals.4 AS total_customers";

    /// <summary>
    /// One page of the period's chats received that pass <paramref name="filter"/>, newest first (then chat id
    /// descending, so the order is total and stable), starting after <paramref name="after"/>, with the size of the
    /// whole filtered list. One statement: rows before the cursor sort after the page and are dropped here, so a
    /// page past the end still carries the totals.
    /// </summary>
    public async Task<ChatListPage> ListChatsAsync(
        string shopId, ShopCalendar calendar, DayPeriod period, DateTime now, ChatListFilter filter, ChatListCursor? after, int limit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var (outcomes, _, parameters) = await OutcomesAsync(shopId, calendar, new OutcomeRequest(period, now), cancellationToken);
        filter.AddParameters(parameters);
        parameters.AddParameter("after_at", after?.ReceivedAt ?? DateTime.MaxValue.AddYears(-7000));
        parameters.AddParameter("after_chat", after?.ChatId ?? "");
        parameters.AddParameter("has_cursor", after is null ? 0 : 1);
        parameters.AddParameter("limit", limit);
        // The page is a top-N of the rows after the cursor; the totals, one aggregate over every match, come with it as
        // a scalar subquery (window aggregates over all rows would sort them all for every page).
        var rows = new List<ChatListRow>();
        (long Chats, long Inquiries, long Transfers, long Customers) totals = default;
        using (var reader = await _store.Client.ExecuteReaderAsync($$"""
            WITH {{outcomes}}, {{ChatListTotals}}
            SELECT {{ChatListRow.Columns}}, {{ChatListTotalColumns}}
            FROM ({{ChatListFilter.Matches}})
            WHERE {has_cursor:UInt8} = 0 OR (received_at, chat_id) < ({after_at:DateTime64(3, 'UTC')}, {after_chat:String})
            ORDER BY received_at DESC, chat_id DESC
            LIMIT {limit:UInt32}
            """, parameters, cancellationToken: cancellationToken))
        {
            while (reader.Read())
            {
                totals = ReadTotals(reader);
                rows.Add(ChatListRow.Read(reader));
            }
        }

        if (rows.Count == 0 && after is not null)
        {
            // A page past the end has no row to carry the totals: they are read alone (no cursor: no rows, all zero).
            using var reader = await _store.Client.ExecuteReaderAsync(
                $$"""WITH {{outcomes}}, {{ChatListTotals}} SELECT {{ChatListTotalColumns}}""", parameters, cancellationToken: cancellationToken);
            reader.Read();
            totals = ReadTotals(reader);
        }

        return new ChatListPage(rows, totals.Chats, totals.Inquiries, totals.Transfers, totals.Customers);
    }

    private static (long Chats, long Inquiries, long Transfers, long Customers) ReadTotals(DbDataReader reader) => (
        reader.Long("total_chats"), reader.Long("total_matching_inquiries"), reader.Long("total_matching_transfers"), reader.Long("total_customers"));
}
