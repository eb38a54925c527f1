using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using ServiceAnalytics.Storage.Outcomes;

namespace ServiceAnalytics.Storage.Queries;

/// <summary>ExportChats: every chat of the All Chats list, for the CSV export.</summary>
public sealed partial class MetricQueries
{
    /// <summary>About how many chats one statement of the export reads: enough that per-statement costs vanish.</summary>
    public const int ExportSliceChats = 20_000;

    /// <summary>
    /// Every chat of the All Chats list for a filter, in the list's order: the CSV export. The same outcomes, filter
    /// text and columns as <see cref="ListChatsAsync"/>, without totals or pages. The period is read in slices of
    /// consecutive days, newest first, each holding about <see cref="ExportSliceChats"/> chats (by the shop's chat
    /// starts per day) and each one statement: a chat belongs to the slice of its received day, so the slices list
    /// every chat once and in order, and the engine holds one slice's outcomes and sorted result, not the period's.
    /// Memory so follows the busiest day's chats, not the list's length. Every slice is read as of
    /// <c>now</c>, as the list's pages are. <c>sliceChats</c> (about how many chats a slice holds) is there for
    /// tests, to cut a small shop's period.
    /// </summary>
    public async IAsyncEnumerable<ChatListRow> ExportChatsAsync(
        string shopId, ShopCalendar calendar, DayPeriod period, DateTime now, ChatListFilter filter,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken, int sliceChats = ExportSliceChats)
    {
        ArgumentNullException.ThrowIfNull(filter);
        foreach (var slice in await ExportSlicesAsync(shopId, calendar, period, sliceChats, cancellationToken))
        {
            var (outcomes, _, parameters) = await OutcomesAsync(shopId, calendar, new OutcomeRequest(slice, now), cancellationToken);
            filter.AddParameters(parameters);
            using var reader = await _store.Client.ExecuteReaderAsync($$"""
                WITH {{outcomes}}
                SELECT {{ChatListRow.Columns}}
                FROM ({{filter.Matches}})
                ORDER BY received_at DESC, chat_id DESC
                """, parameters, cancellationToken: cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                yield return ChatListRow.Read(reader);
            }
        }
    }

    /// <summary>
    /// How many chats <see cref="ExportChatsAsync"/> lists for the same arguments: the list's total, counted slice by
    /// slice with the export's slices, so the engine holds one slice's outcomes as the export does (one statement
    /// over the whole period, as <see cref="ListChatsAsync"/> runs, holds the period's, several times more at 200k
    /// chats). For the <c>export</c> command's progress.
    /// </summary>
    public async Task<long> CountExportChatsAsync(
        string shopId, ShopCalendar calendar, DayPeriod period, DateTime now, ChatListFilter filter, CancellationToken cancellationToken,
        int sliceChats = ExportSliceChats)
    {
        ArgumentNullException.ThrowIfNull(filter);
        long chats = 0;
        foreach (var slice in await ExportSlicesAsync(shopId, calendar, period, sliceChats, cancellationToken))
        {
            var (outcomes, _, parameters) = await OutcomesAsync(shopId, calendar, new OutcomeRequest(slice, now), cancellationToken);
            filter.AddParameters(parameters);
            var count = await _store.Client.ExecuteScalarAsync($$"""
                WITH {{outcomes}}
                SELECT count() FROM ({{filter.Matches}})
                """, parameters, cancellationToken: cancellationToken);
            chats += Convert.ToInt64(count, System.Globalization.CultureInfo.InvariantCulture);
        }

        return chats;
    }

    /// <summary>
    /// <paramref name="period"/> cut into runs of consecutive days, newest first, each holding about
    /// <paramref name="sliceChats"/> chat starts (a day is never split; a busier day is a slice of its own). Starts
    /// only size the slices: which chats a slice lists is decided by their received day, as everywhere.
    /// </summary>
    private async Task<List<DayPeriod>> ExportSlicesAsync(string shopId, ShopCalendar calendar, DayPeriod period, int sliceChats, CancellationToken cancellationToken)
    {
        var startsByDay = await ReadStartsByDayAsync(shopId, calendar, period, cancellationToken);
        var slices = new List<DayPeriod>();
        var (last, chats) = (period.LastDay, 0L);
        for (var day = period.LastDay; day >= period.FirstDay; day = day.AddDays(-1))
        {
            var starts = startsByDay.GetValueOrDefault(day);
            if (chats > 0 && chats + starts > sliceChats)
            {
                slices.Add(new DayPeriod(day.AddDays(1), last));
                (last, chats) = (day, 0);
            }

            chats += starts;
        }

        slices.Add(new DayPeriod(period.FirstDay, last));
        return slices;
    }

    /// <summary>The shop's chat starts per local day of <paramref name="period"/> (days without are left out).</summary>
    private async Task<Dictionary<DateOnly, long>> ReadStartsByDayAsync(string shopId, ShopCalendar calendar, DayPeriod period, CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("shop", shopId);
        parameters.AddParameter("from", calendar.StartOf(period.FirstDay));
        parameters.AddParameter("to", calendar.StartOf(period.LastDay.AddDays(1)));
        parameters.AddParameter("tz", calendar.TimeZone.Id);
        var startsByDay = new Dictionary<DateOnly, long>();
        using var reader = await _store.Client.ExecuteReaderAsync("""
            SELECT toString(toDate(occurred_at, {tz:String})) AS start_day, count() AS starts
            FROM chat_starts
            WHERE shop_id = {shop:String} AND occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at < {to:DateTime64(3, 'UTC')}
            GROUP BY start_day
            """, parameters, cancellationToken: cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            startsByDay[reader.Day("start_day")] = reader.Long("starts");
        }

        return startsByDay;
    }
}
