using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;

namespace ServiceAnalytics.Tests.Storage;

/// <summary>
/// ClickHouse.Driver against a real engine: the embedded one always, a server too when configured. Everything
/// the service does with ClickHouse rests on these behaving exactly as a server does.
/// </summary>
public sealed class DriverOverEngineTests(DatabasePerLane databases) : IClassFixture<DatabasePerLane>
{
    private Task<TestDatabase> Database(ClickHouseLane lane) => databases.For(lane, nameof(DriverOverEngineTests));

    [Theory]
    [MemberData(nameof(Lanes.All), MemberType = typeof(Lanes))]
    public async Task Materialized_view_keeps_an_aggregating_merge_tree_in_step_with_inserts(ClickHouseLane lane)
    {
        var db = await Database(lane);
        var client = db.Client;
        await client.ExecuteNonQueryAsync("""
            CREATE TABLE replies (shop_id String, chat_id UInt64, replied_at DateTime64(3, 'UTC'), seconds Float64)
            ENGINE = MergeTree ORDER BY (shop_id, chat_id)
            """);
        await client.ExecuteNonQueryAsync("""
            CREATE TABLE replies_by_shop (
                shop_id String,
                replies AggregateFunction(count),
                chats AggregateFunction(uniqExact, UInt64),
                first_reply AggregateFunction(min, DateTime64(3, 'UTC')),
                mean_seconds AggregateFunction(avg, Float64))
            ENGINE = AggregatingMergeTree ORDER BY shop_id
            """);
        await client.ExecuteNonQueryAsync("""
            CREATE MATERIALIZED VIEW replies_by_shop_mv TO replies_by_shop AS
            SELECT shop_id, countState() AS replies, uniqExactState(chat_id) AS chats,
                   minState(replied_at) AS first_reply, avgState(seconds) AS mean_seconds
            FROM replies GROUP BY shop_id
            """);

        var start = new DateTime(2026, 3, 29, 0, 59, 59, 999, DateTimeKind.Utc);
        // Two inserts, so the view writes two partial states per shop that only -Merge combines.
        await client.InsertBinaryAsync("replies", ["shop_id", "chat_id", "replied_at", "seconds"],
            [["a", 1UL, start, 10.0], ["a", 1UL, start.AddSeconds(5), 20.0], ["b", 7UL, start.AddDays(1), 1.5]], db.Store.CreateInsertOptions());
        await client.InsertBinaryAsync("replies", ["shop_id", "chat_id", "replied_at", "seconds"],
            [["a", 2UL, start.AddMilliseconds(-1), 60.0]], db.Store.CreateInsertOptions());

        using var reader = await client.ExecuteReaderAsync("""
            SELECT shop_id, countMerge(replies), uniqExactMerge(chats), minMerge(first_reply), avgMerge(mean_seconds)
            FROM replies_by_shop GROUP BY shop_id ORDER BY shop_id
            """);
        var rows = new List<(string Shop, ulong Replies, ulong Chats, DateTime First, double Mean)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetFieldValue<ulong>(1), reader.GetFieldValue<ulong>(2), reader.GetDateTime(3), reader.GetDouble(4)));
        }

        Assert.Equal(2, rows.Count);
        Assert.Equal(("a", 3UL, 2UL, start.AddMilliseconds(-1), 30.0), rows[0]);
        Assert.Equal(("b", 1UL, 1UL, start.AddDays(1), 1.5), rows[1]);
    }

    public static TheoryData<ClickHouseLane, string> HostileStrings()
    {
        string[] values =
        [
            "", "'", "''", "\\", "\\'", "\"", "`", "\n", "\r\n", "\t", "line1\nline2",
            "'; DROP TABLE texts; --", "{id:UInt64}", "{", "}", "}{", "{{x}}", "%", "%20", "+", "&param_id=1",
            "ünïcødé ✓ 中文 العربية 🚀", "\u0001\u001f", "a\0b", new string('x', 70_000),
        ];
        var data = new TheoryData<ClickHouseLane, string>();
        foreach (var lane in new[] { ClickHouseLane.Embedded, ClickHouseLane.Server })
        {
            foreach (var value in values)
            {
                data.Add(lane, value);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(HostileStrings))]
    public async Task Hostile_strings_round_trip_through_bound_parameters_and_binary_inserts(ClickHouseLane lane, string value)
    {
        var db = await Database(lane);
        var table = $"texts_{Guid.NewGuid():N}";
        await db.Client.ExecuteNonQueryAsync($"CREATE TABLE {table} (id UInt64, body String) ENGINE = MergeTree ORDER BY id");

        var insert = new ClickHouseParameterCollection();
        insert.AddParameter("id", 1UL);
        insert.AddParameter("body", value);
        await db.Client.ExecuteNonQueryAsync($"INSERT INTO {table} (id, body) SELECT {{id:UInt64}}, {{body:String}}", insert);
        await db.Client.InsertBinaryAsync(table, ["id", "body"], [[2UL, value]], db.Store.CreateInsertOptions());

        var lookup = new ClickHouseParameterCollection();
        lookup.AddParameter("body", value);
        using var reader = await db.Client.ExecuteReaderAsync($"SELECT id, body FROM {table} WHERE body = {{body:String}} ORDER BY id", lookup);
        var found = new List<(ulong, string)>();
        while (reader.Read())
        {
            found.Add((reader.GetFieldValue<ulong>(0), reader.GetString(1)));
        }

        Assert.Equal([(1UL, value), (2UL, value)], found);
        Assert.Equal(2UL, await db.Client.ExecuteScalarAsync($"SELECT count() FROM {table}"));
    }

    [Theory]
    [MemberData(nameof(Lanes.All), MemberType = typeof(Lanes))]
    public async Task DateTime64_and_nullable_values_round_trip(ClickHouseLane lane)
    {
        var db = await Database(lane);
        await db.Client.ExecuteNonQueryAsync("""
            CREATE TABLE moments (id UInt32, at DateTime64(6, 'UTC'), note Nullable(String), amount Nullable(Int64))
            ENGINE = MergeTree ORDER BY id
            """);
        var moments = new (uint Id, DateTime At, string? Note, long? Amount)[]
        {
            (1, new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc), null, null),
            (2, new DateTime(2026, 10, 25, 1, 59, 59, DateTimeKind.Utc).AddTicks(1_234_560), "", 0),
            (3, new DateTime(2099, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_990), "late", long.MinValue),
        };
        await db.Client.InsertBinaryAsync("moments", ["id", "at", "note", "amount"],
            moments.Take(2).Select(m => new object?[] { m.Id, m.At, m.Note, m.Amount }).Cast<object[]>(), db.Store.CreateInsertOptions());

        var third = new ClickHouseParameterCollection();
        third.AddParameter("id", moments[2].Id);
        third.AddParameter("at", moments[2].At);
        third.AddParameter("note", moments[2].Note);
        third.AddParameter("amount", moments[2].Amount);
        await db.Client.ExecuteNonQueryAsync(
            "INSERT INTO moments SELECT {id:UInt32}, {at:DateTime64(6, 'UTC')}, {note:Nullable(String)}, {amount:Nullable(Int64)}", third);

        var nullLookup = new ClickHouseParameterCollection();
        nullLookup.AddParameter("note", null!);
        Assert.Equal(1UL, await db.Client.ExecuteScalarAsync("SELECT count() FROM moments WHERE note IS NULL AND {note:Nullable(String)} IS NULL", nullLookup));

        using var reader = await db.Client.ExecuteReaderAsync("SELECT id, at, note, amount FROM moments ORDER BY id");
        var read = new List<(uint, DateTime, string?, long?)>();
        while (reader.Read())
        {
            read.Add((reader.GetFieldValue<uint>(0), reader.GetDateTime(1),
                reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetInt64(3)));
        }

        Assert.Equal(moments.Select(m => (m.Id, m.At, m.Note, m.Amount)), read);
        Assert.All(read, r => Assert.Equal(DateTimeKind.Utc, r.Item2.Kind));
    }

    [Theory]
    [MemberData(nameof(Lanes.All), MemberType = typeof(Lanes))]
    public async Task A_million_rows_arrive_whole(ClickHouseLane lane)
    {
        var db = await Database(lane);
        await db.Client.ExecuteNonQueryAsync("CREATE TABLE bulk (id UInt64, shop LowCardinality(String), at DateTime64(3, 'UTC'), score Float64) ENGINE = MergeTree ORDER BY id");
        const int rows = 1_000_000;
        var origin = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var inserted = await db.Client.InsertBinaryAsync("bulk", ["id", "shop", "at", "score"],
            Enumerable.Range(0, rows).Select(i => new object[] { (ulong)i, $"shop-{i % 1000}", origin.AddSeconds(i), i * 0.5 }),
            db.Store.CreateInsertOptions());

        Assert.Equal(rows, inserted);
        using var reader = await db.Client.ExecuteReaderAsync("SELECT count(), sum(id), uniqExact(shop), max(at), sum(score) FROM bulk");
        Assert.True(reader.Read());
        Assert.Equal((ulong)rows, reader.GetFieldValue<ulong>(0));
        Assert.Equal((ulong)rows * (rows - 1) / 2, reader.GetFieldValue<ulong>(1));
        Assert.Equal(1000UL, reader.GetFieldValue<ulong>(2));
        Assert.Equal(origin.AddSeconds(rows - 1), reader.GetDateTime(3));
        Assert.Equal(rows * (double)(rows - 1) / 4, reader.GetDouble(4));
    }

    [Theory]
    [MemberData(nameof(Lanes.All), MemberType = typeof(Lanes))]
    public async Task Engine_errors_reach_the_caller_with_their_codes(ClickHouseLane lane)
    {
        var db = await Database(lane);
        var unknownTable = await Assert.ThrowsAsync<ClickHouseServerException>(() => db.Client.ExecuteScalarAsync("SELECT * FROM no_such_table"));
        Assert.Equal(60, unknownTable.ErrorCode);
        Assert.Contains("no_such_table", unknownTable.Message, StringComparison.Ordinal);

        var syntax = await Assert.ThrowsAsync<ClickHouseServerException>(() => db.Client.ExecuteScalarAsync("SELEC 1"));
        Assert.Equal(62, syntax.ErrorCode);

        var badParameter = new ClickHouseParameterCollection();
        badParameter.AddParameter("n", "not a number");
        var conversion = await Assert.ThrowsAsync<ClickHouseServerException>(() => db.Client.ExecuteScalarAsync("SELECT {n:UInt8} + 1", badParameter));
        Assert.NotEqual(0, conversion.ErrorCode);

        var unknownDatabase = await Assert.ThrowsAsync<ClickHouseServerException>(
            () => db.Client.ExecuteScalarAsync("SELECT 1", options: new QueryOptions { Database = "no_such_database_here" }));
        Assert.Equal(81, unknownDatabase.ErrorCode);

        // A failed statement leaves the connection usable.
        Assert.Equal((byte)2, await db.Client.ExecuteScalarAsync("SELECT 2"));
    }

    [Theory]
    [MemberData(nameof(Lanes.All), MemberType = typeof(Lanes))]
    public async Task Thirty_two_concurrent_parameterized_queries_each_get_their_own_rows(ClickHouseLane lane)
    {
        var db = await Database(lane);
        await db.Client.ExecuteNonQueryAsync("CREATE TABLE lookups (id UInt32, label String) ENGINE = MergeTree ORDER BY id");
        await db.Client.InsertBinaryAsync("lookups", ["id", "label"],
            Enumerable.Range(0, 10_000).Select(i => new object[] { (uint)i, $"label '{i}' \\ {{{i}}}" }), db.Store.CreateInsertOptions());

        var answers = await Task.WhenAll(Enumerable.Range(0, 32).Select(async caller =>
        {
            var mismatches = new List<string>();
            for (var round = 0; round < 10; round++)
            {
                var id = (uint)((caller * 311) + (round * 17)) % 10_000;
                var parameters = new ClickHouseParameterCollection();
                parameters.AddParameter("id", id);
                parameters.AddParameter("label", $"label '{id}' \\ {{{id}}}");
                using var reader = await db.Client.ExecuteReaderAsync(
                    "SELECT id, label FROM lookups WHERE id = {id:UInt32} AND label = {label:String}", parameters);
                var rows = new List<uint>();
                while (reader.Read())
                {
                    rows.Add(reader.GetFieldValue<uint>(0));
                }

                if (rows.Count != 1 || rows[0] != id)
                {
                    mismatches.Add(string.Create(CultureInfo.InvariantCulture, $"caller {caller} asked for {id}, got [{string.Join(",", rows)}]"));
                }
            }

            return mismatches;
        }));

        Assert.Empty(answers.SelectMany(m => m));
    }

    [Theory]
    [MemberData(nameof(Lanes.All), MemberType = typeof(Lanes))]
    public async Task Per_query_settings_apply_to_that_query_only(ClickHouseLane lane)
    {
        var db = await Database(lane);
        var limited = new QueryOptions
        {
            CustomSettings = new Dictionary<string, object> { ["max_result_rows"] = 5, ["result_overflow_mode"] = "throw" },
        };
        var tooMany = await Assert.ThrowsAsync<ClickHouseServerException>(async () =>
        {
            using var reader = await db.Client.ExecuteReaderAsync("SELECT number FROM numbers(10)", options: limited);
            while (reader.Read())
            {
            }
        });
        Assert.Equal(396, tooMany.ErrorCode);

        // Every pooled connection that ran the limited query must have dropped the setting again.
        var counts = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var reader = await db.Client.ExecuteReaderAsync("SELECT number FROM numbers(10)");
            var rows = 0;
            while (reader.Read())
            {
                rows++;
            }

            return rows;
        }));
        Assert.All(counts, c => Assert.Equal(10, c));
    }

    [Theory]
    [MemberData(nameof(Lanes.All), MemberType = typeof(Lanes))]
    public async Task The_services_statements_run_with_its_priority_and_without_the_and_chain_and_fuse_passes(ClickHouseLane lane)
    {
        var db = await Database(lane);
        // Statements with settings of their own keep the service's (the driver adds a query's to the client's).
        var withOwnSettings = new QueryOptions { CustomSettings = new Dictionary<string, object> { ["max_threads"] = 1 } };
        foreach (var options in new[] { null, withOwnSettings })
        {
            var settings = await db.Client.ExecuteScalarAsync(
                "SELECT tuple(getSetting('priority'), toUInt8(getSetting('optimize_and_compare_chain')), toUInt8(getSetting('optimize_syntax_fuse_functions')))",
                options: options);
            Assert.Equal("(1,0,0)", FormattableString.Invariant($"{settings}").Replace(" ", "", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task On_a_cluster_the_services_statements_add_distributed_product_mode_local_which_the_engine_takes()
    {
        var db = await Database(ClickHouseLane.Embedded);
        var cluster = StatementSettings.For(new ClickHouseOptions { ServerUrl = "http://clickhouse:8123", Cluster = "analytics_cluster" });
        var oneNode = StatementSettings.For(new ClickHouseOptions { ServerUrl = "http://clickhouse:8123" });

        // The engine takes the cluster's settings as they are (names and values it knows); one node sends none of it.
        var mode = await db.Client.ExecuteScalarAsync(
            "SELECT getSetting('distributed_product_mode')", options: new QueryOptions { CustomSettings = cluster });
        Assert.Equal("local", FormattableString.Invariant($"{mode}"));
        Assert.False(oneNode.ContainsKey("distributed_product_mode"));
        Assert.Equal(oneNode, cluster.Where(setting => setting.Key != "distributed_product_mode").ToDictionary());
    }
}
