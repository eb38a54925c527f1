using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using ServiceAnalytics.Storage.Outcomes;
using static ServiceAnalytics.Storage.Rollups.IsoDays;

namespace ServiceAnalytics.Storage.Rollups;

/// <summary>
/// What a run computes: the shops and days each kind of run takes (docs/rollups.md), read from the facts, the
/// arrivals and the stored rows, and the run's days and shops as the parameters and the condition its SQL goes by.
/// </summary>
internal sealed class RollupSelection(ClickHouseStore store)
{
    /// <summary>The shops a run computes, as a condition on a table's <c>shop_id</c>: every shop, or those of parameter <c>shops</c>.</summary>
    public const string InScope = "({every_shop:Bool} OR has({shops:Array(String)}, shop_id))";

    /// <summary>The stored rows of a refresh's days: those from <c>first_day</c> on.</summary>
    private const string RefreshDays = "day >= toDate({first_day:String})";

    /// <summary>The stored rows of a backfill's days: the settled days before <c>before</c>.</summary>
    private const string SettledDays = "day < toDate({before:String})";

    /// <summary>
    /// Per shop with a fact arrival since <c>since</c> that changes a day before <c>before</c>, the earliest such day
    /// (see <see cref="SettledDaysWithArrivalsAsync"/>); as for a refresh, an arrival of a chat or of its customer's
    /// order that the chat's stored row took in changes nothing (<see cref="ChatsArrivedSinceTheirRows"/>). A chat's
    /// local day is within a day of the UTC day of its first customer message, so the day before that one bounds it in
    /// every zone.
    /// </summary>
    private static readonly string SettledDaysWithArrivals = $$"""
        WITH arrived AS (SELECT shop_id, chat_id, customer_id, arrived_at FROM fact_arrivals WHERE arrived_at >= {since:DateTime64(6, 'UTC')})
        SELECT shop_id, toString(min(day)) AS first_day
        FROM
        (
            SELECT shop_id, toDate(min(first_customer_message_at)) - 1 AS day
            FROM chat_responses
            WHERE (shop_id, chat_id) IN ({{ChatsArrivedSinceTheirRows(SettledDays)}})
            GROUP BY shop_id, chat_id
            HAVING countIf(first_customer_message_at IS NOT NULL) > 0
            UNION ALL
            SELECT shop_id, min(day) AS day
            FROM ({{RowsBeforeTheirCustomersOrders(SettledDays)}})
            GROUP BY shop_id
            UNION ALL
            SELECT shop_id, min(day) AS day
            FROM settled_chats
            WHERE (shop_id, customer_id) IN ({{CustomersOfVoidedOrders}})
                OR shop_id IN (SELECT shop_id FROM arrived WHERE chat_id = '' AND customer_id = '')
            GROUP BY shop_id
        )
        WHERE day < toDate({before:String})
        GROUP BY shop_id
        ORDER BY shop_id
        """;

    /// <summary>
    /// The parameters of a run's statements: its local days <c>first_day</c>..<c>last_day</c>, its <c>now</c>, and the
    /// shops of <see cref="InScope"/> (<paramref name="onlyShops"/>; null: every shop).
    /// </summary>
    public static ClickHouseParameterCollection DayParameters(DateOnly first, DateOnly last, DateTime now, IReadOnlyList<string>? onlyShops)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("first_day", Iso(first));
        parameters.AddParameter("last_day", Iso(last));
        parameters.AddParameter("now", now);
        parameters.AddParameter("every_shop", onlyShops is null);
        parameters.AddParameter("shops", (onlyShops ?? []).ToArray());
        return parameters;
    }

    /// <summary>
    /// The shops a backfill computes and the first day it computes: the shops with a fact arrival since
    /// <paramref name="since"/> that changes a settled day before <paramref name="before"/>, and the earliest such day
    /// of any of them (the day of a chat with a new fact; the first settled chat of a customer with a new order,
    /// cancellation or refund, or of the customer of an order a cancellation names; every settled day of a shop whose
    /// settings changed). No day when there are none.
    /// </summary>
    public async Task<(IReadOnlyList<string> Shops, DateOnly? FirstDay)> SettledDaysWithArrivalsAsync(
        DateTime since, DateOnly before, CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("since", since);
        parameters.AddParameter("before", Iso(before));
        var shops = new List<string>();
        DateOnly? first = null;
        using var reader = await store.RollupClient.ExecuteReaderAsync(SettledDaysWithArrivals, parameters, cancellationToken: cancellationToken);
        while (reader.Read())
        {
            shops.Add(reader.String("shop_id"));
            var day = reader.Day("first_day");
            first = first is { } earliest && earliest < day ? earliest : day;
        }

        return (shops, first);
    }

    /// <summary>
    /// The chats with an arrival since <c>since</c> that their stored row on the days <paramref name="storedDays"/>
    /// keeps (a condition on <c>day</c>) has not taken in yet: a row computed after an arrival was stamped read that
    /// arrival's facts, committed before it (docs/rollups.md, "Refreshes and the snapshot"). Only the rows of the days
    /// a run computes count: a chat whose first message moved to a settled day has a current row there (the
    /// backfill's) and a stale one on its former day, which the refresh must still recompute (and so remove). <c>since</c> is the previous snapshot's mark less
    /// <see cref="RollupRunner.ArrivalVisibilityMargin"/>, so the arrivals of that margin were mostly the previous
    /// refresh's: without this, each refresh recomputed a minute of its predecessor's chats again, and under a
    /// steady ingest the refreshes fell further behind with each one (the 10-minute soak's snapshot aged to 374 s).
    /// </summary>
    /// <remarks>
    /// <para>
    /// With <paramref name="skipCurrentElsewhere"/> (a refresh), a chat with no row on those days whose row on another
    /// day was computed after its last arrival is current there and is left out: a chat of a settled day whose facts
    /// arrived before the scheduled run that computed it, such as a history loaded just before that run (the metrics
    /// benchmark's refresh after its load of 1M chats: 4.4 s and nothing to compute, against 44.7 s computing and
    /// dropping its 820k chats of settled days). This reads the rows of other days computed since, many only after a
    /// run that computed settled days (the metrics benchmark's first refresh after its recomputation of 30 days found
    /// its chats in 0.74 s against 0.20 s without this rule; the refreshes after it read the previous refresh's rows).
    /// To know which of those chats have a row on the days, their rows of the days computed before are read too
    /// (<see cref="RowsOnTheDaysOfChatsCurrentElsewhere"/>). Any other chat of another day is left in: the refresh's computation drops it, as
    /// received before its days (<see cref="ArrivedChats"/>).
    /// </para>
    /// <para>
    /// The arrivals and the rows are grouped together, by chat, rather than each grouped and then joined: on the
    /// 10-minute soak's data (1.09M arrivals, 550k rows computed since, of those alone) 0.5–0.6 s against 0.8–1.7 s
    /// to count the same chats. A chat without a row (of the kind) has the zero instant as its rows' latest.
    /// </para>
    /// </remarks>
    private static string ChatsArrivedSinceTheirRows(string storedDays, bool skipCurrentElsewhere = false) => $$"""
        SELECT shop_id, chat_id
        FROM
        (
            SELECT shop_id, chat_id, arrived_at, {{NoInstant}} AS on_days_computed_at, false AS on_days, {{NoInstant}} AS elsewhere_computed_at
            FROM fact_arrivals
            WHERE arrived_at >= {{Since}} AND chat_id != ''
            UNION ALL
            -- Aliases apart from the column they read: an alias shadows the column of its name in every expression.
            SELECT shop_id, chat_id, {{NoInstant}} AS arrived_at, if({{storedDays}}, computed_at, {{NoInstant}}) AS on_days_computed_at,
                   {{storedDays}} AS on_days, if({{storedDays}}, {{NoInstant}}, computed_at) AS elsewhere_computed_at
            FROM settled_chats
            WHERE {{(skipCurrentElsewhere ? "" : $"{storedDays} AND ")}}computed_at > {{Since}}{{(skipCurrentElsewhere ? RowsOnTheDaysOfChatsCurrentElsewhere(storedDays) : "")}}
        )
        GROUP BY shop_id, chat_id
        HAVING max(arrived_at) >= {{Since}} AND max(on_days_computed_at) <= max(arrived_at)
            AND (max(on_days) OR max(elsewhere_computed_at) <= max(arrived_at))
        """;

    /// <summary>
    /// A further leg of <see cref="ChatsArrivedSinceTheirRows"/>: that a chat with a row on another day computed since
    /// has a row on the days <paramref name="storedDays"/> computed before (a stale one, which must still be recomputed
    /// and so removed). Only those chats' rows are read, none unless a run computed other days since: every row of the
    /// days would be read by every refresh (on the 10-minute soak's data, 590k rows of its window).
    /// </summary>
    private static string RowsOnTheDaysOfChatsCurrentElsewhere(string storedDays) => $$"""

            UNION ALL
            SELECT shop_id, chat_id, {{NoInstant}}, {{NoInstant}}, true, {{NoInstant}}
            FROM settled_chats
            WHERE {{storedDays}} AND computed_at <= {{Since}}
                AND (shop_id, chat_id) IN (SELECT shop_id, chat_id FROM settled_chats WHERE NOT ({{storedDays}}) AND computed_at > {{Since}})
        """;

    /// <summary>The instant before every arrival and row: what a chat without one has as its latest.</summary>
    private const string NoInstant = "toDateTime64(0, 6, 'UTC')";

    /// <summary>Parameter <c>since</c>, as the statements read it.</summary>
    private const string Since = "{since:DateTime64(6, 'UTC')}";

    /// <summary>
    /// The stored rows on the days <paramref name="storedDays"/> (<c>shop_id</c>, <c>chat_id</c>, <c>day</c>) whose
    /// customer has an order arrival (common table <c>arrived</c>) that the row has not taken in: as for a chat's own
    /// arrivals (<see cref="ChatsArrivedSinceTheirRows"/>), a row computed after the order's arrival was stamped counts
    /// the order.
    /// </summary>
    private static string RowsBeforeTheirCustomersOrders(string storedDays) => $$"""
        SELECT stored.shop_id AS shop_id, stored.chat_id AS chat_id, stored.day AS day
        FROM
        (
            SELECT shop_id, chat_id, customer_id, day, computed_at FROM settled_chats
            WHERE {{storedDays}} AND (shop_id, customer_id) IN (SELECT shop_id, customer_id FROM arrived WHERE customer_id != '')
        ) AS stored
        INNER JOIN
        (
            SELECT shop_id, customer_id, max(arrived_at) AS last_arrival FROM arrived WHERE customer_id != '' GROUP BY shop_id, customer_id
        ) AS customers USING (shop_id, customer_id)
        WHERE stored.computed_at <= customers.last_arrival
        """;

    /// <summary>
    /// The customers of the orders that a cancellation or refund arrived for (common table <c>arrived</c>): a
    /// cancellation voids its order whatever customer it names, so the order's customer's rows change whenever they
    /// were computed.
    /// </summary>
    private const string CustomersOfVoidedOrders = """
        SELECT shop_id, customer_id FROM orders
        WHERE kind = 'placed' AND shop_id IN (SELECT shop_id FROM arrived WHERE customer_id != '') AND (shop_id, order_id) IN
            (SELECT shop_id, order_id FROM orders WHERE kind IN ('cancelled', 'refunded')
                AND (shop_id, customer_id) IN (SELECT shop_id, customer_id FROM arrived WHERE customer_id != ''))
        """;

    /// <summary>
    /// The chats of <see cref="ChatsArrivedSinceTheirRows"/> on the days from <c>first_day</c> on, or on no day yet
    /// (new chats), or on an earlier day without a row there that took their arrivals in. The last are the backfill's:
    /// the run's computation drops them as received before its range, at the cost of reading their facts. Keeping only
    /// chats that may be received from <c>from</c> on here scanned every chat's <c>chat_responses</c> rows against the
    /// set, and the stored chats' rows against it again: on the 10-minute soak's data (718k such chats) the two
    /// statements took 3.5 and 2.5 s, against 1.6–2.1 s for this one (writing the chats included).
    /// </summary>
    private static readonly string ArrivedChats = ChatsArrivedSinceTheirRows(RefreshDays, skipCurrentElsewhere: true);

    /// <summary>
    /// The stored chats of days from <c>first_day</c> on that changed since <c>since</c> other than by an arrival of
    /// their own (<see cref="ArrivedChats"/>): an order of its customer, a pending inquiry closed, its shop's settings;
    /// and the chats received from <c>from</c> on of a shop whose settings arrived. One
    /// <c>SELECT</c> per reason: ORed in one <c>WHERE</c>, they took 130–150 ms on the benchmark's 200k stored chats of
    /// those days, where each alone takes 6–17 ms and their union 40–50 ms.
    /// </summary>
    private static readonly string StoredChangedChats = $$"""
        WITH
            arrived AS (SELECT shop_id, chat_id, customer_id, arrived_at FROM fact_arrivals WHERE arrived_at >= {since:DateTime64(6, 'UTC')}),
            settings_changed AS (SELECT DISTINCT shop_id FROM arrived WHERE chat_id = '' AND customer_id = '')
        SELECT shop_id, chat_id FROM ({{RowsBeforeTheirCustomersOrders(RefreshDays)}})
        UNION ALL
        SELECT shop_id, chat_id FROM settled_chats
        WHERE {{RefreshDays}} AND (shop_id, customer_id) IN ({{CustomersOfVoidedOrders}})
        UNION ALL
        SELECT shop_id, chat_id FROM settled_chats
        WHERE {{RefreshDays}} AND pending > 0 AND {{OutcomeSql.NotAnswered}} != not_answered
        UNION ALL
        SELECT shop_id, chat_id FROM settled_chats
        WHERE {{RefreshDays}} AND shop_id IN settings_changed
        UNION ALL
        SELECT DISTINCT shop_id, chat_id FROM chat_responses
        WHERE shop_id IN settings_changed AND first_customer_message_at >= {from:DateTime64(3, 'UTC')}
        """;

    /// <summary>
    /// Writes the chats a refresh recomputes into <paramref name="table"/> as (<c>shop_id</c>, <c>chat_id</c>) rows
    /// (parameters: <c>since</c>, <c>first_day</c>, <c>from</c>, <c>now</c>): every chat with
    /// an arrival since <c>since</c> that its stored row was computed before (new chats among them); the stored chats of days from
    /// <c>first_day</c> on whose customer has an order, cancellation or refund that arrived since and after the row
    /// was computed (a cancellation voids its order whatever customer it names, so the order's customer too, there
    /// whenever its row was computed), or whose pending inquiry counts as not answered at
    /// <c>now</c>; and every chat, stored or received since <c>from</c>, of a shop whose settings arrived since
    /// (its days and counting may all have changed). <c>from</c> is the earliest instant <c>first_day</c> begins in
    /// any zone. Chats of earlier days are left to the backfill: a refresh recomputes only its days' chats, and one
    /// of them written here for an arrival of its own is dropped by the computation as received before its range.
    /// </summary>
    /// <remarks>
    /// Two statements (<see cref="ArrivedChats"/>, <see cref="StoredChangedChats"/>), each holding at most a few sets
    /// in memory: in one, a replay of millions of arrivals passed the statement's memory limit. A chat may be written
    /// twice; every reader of the table takes it as a set. A chat of a day before <c>first_day</c> is in no stored row
    /// the run masks and no day whose summaries it recomputes (<see cref="FirstChangedDayAsync"/>): at most its shop is
    /// summarised again from the run's first changed day, to the same figures.
    /// </remarks>
    public async Task WriteChangedChatsAsync(string table, DateTime since, DateOnly first, DateTime now, CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("since", since);
        parameters.AddParameter("first_day", Iso(first));
        parameters.AddParameter("from", EarliestStart(first));
        parameters.AddParameter("now", now);
        foreach (var chats in new[] { ArrivedChats, StoredChangedChats })
        {
            await store.RollupClient.ExecuteNonQueryAsync($"INSERT INTO {table} (shop_id, chat_id) {chats}", parameters, cancellationToken: cancellationToken);
        }
    }

    /// <summary>
    /// The first day from <paramref name="first"/> on that a chat of <paramref name="changedChats"/> was stored on
    /// (<c>settled_chats</c>) or is now (<paramref name="chatsStage"/>, once computed): no daily summary before it
    /// changes, since a day's figures count its own chats and its customers' of the 27 days before.
    /// <paramref name="first"/> when there is none.
    /// </summary>
    public async Task<DateOnly> FirstChangedDayAsync(string changedChats, string chatsStage, DateOnly first, CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("first_day", Iso(first));
        var day = (string)(await store.RollupClient.ExecuteScalarAsync($$"""
            SELECT toString(if(count() = 0, toDate({first_day:String}), min(day)))
            FROM
            (
                SELECT day FROM settled_chats WHERE day >= toDate({first_day:String}) AND (shop_id, chat_id) IN (SELECT shop_id, chat_id FROM {{changedChats}})
                UNION ALL
                SELECT day FROM {{chatsStage}} WHERE day >= toDate({first_day:String}) AND (shop_id, chat_id) IN (SELECT shop_id, chat_id FROM {{changedChats}})
            )
            """, parameters, cancellationToken: cancellationToken))!;
        return Day(day);
    }

    /// <summary>The shops of a table of changed chats, with how many chats each.</summary>
    public Task<IReadOnlyList<ShopChats>> ShopsOfAsync(string changedChats, CancellationToken cancellationToken) =>
        ReadShopsAsync($"SELECT shop_id, uniqExact(chat_id) AS chats FROM {changedChats} GROUP BY shop_id ORDER BY shop_id", new ClickHouseParameterCollection(), cancellationToken);

    /// <summary>
    /// The shops (all, or those of <paramref name="onlyShops"/>) that may have chats received on local days
    /// first..last, with about how many (an upper bound: a chat may have several partial rows until merged): a
    /// superset, since the zones of the world span 26 hours.
    /// </summary>
    public async Task<IReadOnlyList<ShopChats>> ShopsWithChatsAsync(DateOnly first, DateOnly last, IReadOnlyList<string>? onlyShops, CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("from", EarliestStart(first));
        parameters.AddParameter("to", last.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddHours(12));
        parameters.AddParameter("every_shop", onlyShops is null);
        parameters.AddParameter("shops", (onlyShops ?? []).ToArray());
        return await ReadShopsAsync($$"""
            SELECT shop_id, count() AS chats FROM chat_responses
            WHERE first_customer_message_at >= {from:DateTime64(3, 'UTC')} AND first_customer_message_at < {to:DateTime64(3, 'UTC')} AND {{InScope}}
            GROUP BY shop_id
            ORDER BY shop_id
            """, parameters, cancellationToken);
    }

    /// <summary>The earliest UTC instant local day <paramref name="day"/> begins in any zone (UTC+14).</summary>
    private static DateTime EarliestStart(DateOnly day) => day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddHours(-14);

    /// <summary>The first local day any chat can have (the day before the UTC day of the first customer message); null without chats.</summary>
    public async Task<DateOnly?> FirstChatDayAsync(CancellationToken cancellationToken)
    {
        var value = await store.RollupClient.ExecuteScalarAsync(
            "SELECT toString(toDate(min(first_customer_message_at)) - 1) FROM chat_responses HAVING countIf(first_customer_message_at IS NOT NULL) > 0",
            cancellationToken: cancellationToken);
        return value is string text ? Day(text) : null;
    }

    /// <summary>The <c>shop_id</c> and <c>chats</c> columns of a statement's rows.</summary>
    private async Task<IReadOnlyList<ShopChats>> ReadShopsAsync(string sql, ClickHouseParameterCollection parameters, CancellationToken cancellationToken)
    {
        using var reader = await store.RollupClient.ExecuteReaderAsync(sql, parameters, cancellationToken: cancellationToken);
        var shops = new List<ShopChats>();
        while (reader.Read())
        {
            shops.Add(new ShopChats(reader.String("shop_id"), reader.Long("chats")));
        }

        return shops;
    }
}

/// <summary>A shop a run computes, and about how many of its chats.</summary>
internal readonly record struct ShopChats(string ShopId, long Chats);
