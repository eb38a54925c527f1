using ClickHouse.Driver.ADO.Parameters;
using Microsoft.Extensions.Logging.Abstractions;
using ServiceAnalytics.Storage.Bi;
using ServiceAnalytics.Storage.Migrations;

namespace ServiceAnalytics.Tests.Migrations;

public sealed class SchemaMigratorTests
{
    /// <summary>The raw fact tables of 0001, whose insert time 0009 renames, in the scripts' order.</summary>
    private static readonly string[] s_rawTables = ["chat_starts", "chat_messages", "chat_events", "orders", "agents", "shop_settings"];

    private static SchemaMigrator Migrator(ClickHouseStore store) => new(store, NullLogger<SchemaMigrator>.Instance);

    [Fact]
    public void Every_shipped_statement_is_rerunnable_on_one_node_and_on_a_cluster()
    {
        Assert.NotEmpty(MigrationScript.Embedded);
        foreach (var target in new[] { SchemaTarget.SingleNode("sa"), SchemaTarget.OnCluster("sa", "main") })
        {
            var statements = MigrationScript.Embedded.SelectMany(s => s.Render(target)).Concat(target.Render(SchemaMigrator.HistoryTemplate));
            Assert.All(statements, statement => Assert.True(MigrationScript.IsRerunnable(statement), $"Not re-runnable: {statement}"));
        }
    }

    [Fact]
    public void Statements_that_are_not_rerunnable_are_recognised()
    {
        Assert.False(MigrationScript.IsRerunnable("CREATE TABLE t (a UInt8) ENGINE = MergeTree ORDER BY a"));
        Assert.False(MigrationScript.IsRerunnable("ALTER TABLE t ADD COLUMN b UInt8"));
        Assert.False(MigrationScript.IsRerunnable("INSERT INTO t VALUES (1)"));
        Assert.True(MigrationScript.IsRerunnable("ALTER TABLE `d`.`t` ON CLUSTER `c` ADD COLUMN IF NOT EXISTS b UInt8"));
        Assert.True(MigrationScript.IsRerunnable("ALTER TABLE `d`.`t` MATERIALIZE INDEX i"));
        Assert.False(MigrationScript.IsRerunnable("TRUNCATE TABLE t"));
    }

    [Theory]
    [MemberData(nameof(Lanes.All), MemberType = typeof(Lanes))]
    public async Task Migrating_twice_applies_each_script_once_and_keeps_its_first_record(ClickHouseLane lane)
    {
        using var store = TestEnvironment.CreateStore(TestEnvironment.Options(lane, TestEnvironment.UniqueDatabaseName("migrate twice")));
        try
        {
            var first = await Migrator(store).MigrateAsync(CancellationToken.None);
            var second = await Migrator(store).MigrateAsync(CancellationToken.None);

            Assert.Equal(MigrationScript.Embedded.Select(s => s.Version), first.AppliedNow.Select(m => m.Version));
            Assert.Empty(first.AlreadyApplied);
            Assert.Empty(second.AppliedNow);
            Assert.Equal(first.AppliedNow.Select(m => (m.Version, m.AppliedAtUtc.Ticks / 10_000)), second.AlreadyApplied.Select(m => (m.Version, m.AppliedAtUtc.Ticks / 10_000)));
            Assert.Equal(MigrationScript.Embedded[^1].Version, second.SchemaVersion);
            Assert.Contains("chat_messages", await TablesAsync(store));
        }
        finally
        {
            await DropAsync(store);
        }
    }

    [Theory]
    [MemberData(nameof(Lanes.All), MemberType = typeof(Lanes))]
    public async Task Two_instances_migrating_a_fresh_database_at_once_both_succeed(ClickHouseLane lane)
    {
        var options = TestEnvironment.Options(lane, TestEnvironment.UniqueDatabaseName("migrate race"));
        using var one = TestEnvironment.CreateStore(options);
        using var other = TestEnvironment.CreateStore(options);
        try
        {
            var reports = await Task.WhenAll(Migrator(one).MigrateAsync(CancellationToken.None), Migrator(other).MigrateAsync(CancellationToken.None));

            Assert.All(reports, r => Assert.Equal(MigrationScript.Embedded[^1].Version, r.SchemaVersion));
            var after = await Migrator(one).MigrateAsync(CancellationToken.None);
            Assert.Empty(after.AppliedNow);
            Assert.Equal(MigrationScript.Embedded.Select(s => s.Version), after.AlreadyApplied.Select(m => m.Version));
            var expectedTables = new[] { "agents", "chat_events", "chat_messages", "chat_starts", "orders", "schema_migrations", "shop_settings" };
            Assert.Subset(new HashSet<string>(await TablesAsync(one)), new HashSet<string>(expectedTables));
        }
        finally
        {
            await DropAsync(one);
        }
    }

    [Fact]
    public async Task A_script_changed_after_it_was_applied_is_refused()
    {
        using var store = TestEnvironment.CreateStore(TestEnvironment.Options(ClickHouseLane.Embedded, TestEnvironment.UniqueDatabaseName("migrate changed")));
        try
        {
            var original = new MigrationScript(1, "numbers", "CREATE TABLE IF NOT EXISTS {{table:numbers}}{{on_cluster}} (n UInt8) ENGINE = MergeTree ORDER BY n;");
            await new SchemaMigrator(store, NullLogger<SchemaMigrator>.Instance) { Scripts = [original] }.MigrateAsync(CancellationToken.None);

            var edited = original with { Template = original.Template.Replace("n UInt8", "n UInt16", StringComparison.Ordinal) };
            var refusal = await Assert.ThrowsAsync<SchemaChangedException>(
                () => new SchemaMigrator(store, NullLogger<SchemaMigrator>.Instance) { Scripts = [edited] }.MigrateAsync(CancellationToken.None));
            Assert.Contains("Migration 1 (numbers) was changed after it was applied", refusal.Message, StringComparison.Ordinal);
        }
        finally
        {
            await DropAsync(store);
        }
    }

    [Fact]
    public async Task Cluster_rendering_parses_in_the_engine()
    {
        using var store = TestEnvironment.CreateStore(TestEnvironment.Options(ClickHouseLane.Embedded, "default"));
        var target = SchemaTarget.OnCluster("service_analytics", "analytics_cluster");
        var statements = target.Render(SchemaMigrator.HistoryTemplate).Concat(MigrationScript.Embedded.SelectMany(s => s.Render(target))).ToList();
        var directives = MigrationScript.Embedded.Sum(s => s.Template.Split('\n').Count(l => l.TrimStart().StartsWith("-- distribute:", StringComparison.Ordinal))) + 1;

        foreach (var statement in statements)
        {
            var parameters = new ClickHouseParameterCollection();
            parameters.AddParameter("sql", statement);
            var formatted = (string)(await store.Client.ExecuteScalarAsync("SELECT formatQuery({sql:String})", parameters))!;
            Assert.Contains("ON CLUSTER analytics_cluster", formatted, StringComparison.Ordinal);
        }

        Assert.Equal(directives, statements.Count(s => s.Contains("ENGINE = Distributed(", StringComparison.Ordinal)));
        Assert.All(statements.Where(s => s.Contains("MergeTree", StringComparison.Ordinal) && !s.Contains("Distributed", StringComparison.Ordinal)),
            s => Assert.Matches(@"ENGINE = Replicated\w*MergeTree", s));
        Assert.All(statements.Where(s => s.Contains("MergeTree", StringComparison.Ordinal) && !s.Contains("Distributed", StringComparison.Ordinal)),
            s => Assert.Contains("_local`", s, StringComparison.Ordinal));
    }

    [Fact]
    public void The_insert_time_rename_alters_each_raw_table_and_on_a_cluster_its_distributed_table_too()
    {
        var rename = MigrationScript.Embedded.Single(s => s.Version == 9);

        var onOneNode = rename.Render(SchemaTarget.SingleNode("sa"));
        var onCluster = rename.Render(SchemaTarget.OnCluster("sa", "main"));

        Assert.Equal(s_rawTables.Select(t => $"ALTER TABLE `sa`.`{t}` RENAME COLUMN IF EXISTS received_at TO inserted_at"), onOneNode);
        Assert.Equal(
            s_rawTables.SelectMany(t => new[]
            {
                $"ALTER TABLE `sa`.`{t}_local` ON CLUSTER `main` RENAME COLUMN IF EXISTS received_at TO inserted_at",
                $"ALTER TABLE `sa`.`{t}` ON CLUSTER `main` RENAME COLUMN IF EXISTS received_at TO inserted_at",
            }),
            onCluster);
    }

    [Fact]
    public void The_bi_views_read_the_tables_queries_read_on_one_node_and_on_a_cluster()
    {
        var views = MigrationScript.Embedded.Single(s => s.Version == 10);

        foreach (var target in new[] { SchemaTarget.SingleNode("sa"), SchemaTarget.OnCluster("sa", "main") })
        {
            var statements = views.Render(target);
            Assert.Equal(BiViews.Names.Select(v => $"CREATE OR REPLACE VIEW `sa`.{v}{target.OnClusterClause}"), statements.Select(s => s[..s.IndexOf('\n', StringComparison.Ordinal)]));
            // On a cluster a view over a node's `_local` storage would see that shard's shops only.
            Assert.All(statements, s => Assert.DoesNotContain("_local`", s, StringComparison.Ordinal));
            Assert.All(statements, s => Assert.Contains("DEFINER = CURRENT_USER SQL SECURITY DEFINER", s, StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Lanes.All), MemberType = typeof(Lanes))]
    public async Task Migrated_from_scratch_every_raw_table_has_inserted_at_and_no_received_at(ClickHouseLane lane)
    {
        using var store = TestEnvironment.CreateStore(TestEnvironment.Options(lane, TestEnvironment.UniqueDatabaseName("migrate rename")));
        try
        {
            await Migrator(store).MigrateAsync(CancellationToken.None);

            Assert.Equal(s_rawTables.Order(StringComparer.Ordinal).Select(t => (t, "inserted_at")), await InsertTimeColumnsAsync(store));
        }
        finally
        {
            await DropAsync(store);
        }
    }

    [Theory]
    [MemberData(nameof(Lanes.All), MemberType = typeof(Lanes))]
    public async Task Rows_stored_before_the_rename_keep_their_insert_time_under_the_new_name(ClickHouseLane lane)
    {
        using var store = TestEnvironment.CreateStore(TestEnvironment.Options(lane, TestEnvironment.UniqueDatabaseName("migrate rename rows")));
        try
        {
            var beforeRename = MigrationScript.Embedded.Where(s => s.Version < 9).ToList();
            await new SchemaMigrator(store, NullLogger<SchemaMigrator>.Instance) { Scripts = beforeRename }.MigrateAsync(CancellationToken.None);
            Assert.Equal(s_rawTables.Order(StringComparer.Ordinal).Select(t => (t, "received_at")), await InsertTimeColumnsAsync(store));
            var insertedAt = new DateTime(2026, 11, 2, 8, 30, 15, 123, DateTimeKind.Utc);
            foreach (var table in s_rawTables)
            {
                await InsertTwoRowsBeforeTheRenameAsync(store, table, insertedAt);
            }

            var report = await Migrator(store).MigrateAsync(CancellationToken.None);

            Assert.Equal(MigrationScript.Embedded.Where(s => s.Version >= 9).Select(s => s.Version), report.AppliedNow.Select(m => m.Version));
            Assert.Equal(s_rawTables.Order(StringComparer.Ordinal).Select(t => (t, "inserted_at")), await InsertTimeColumnsAsync(store));
            foreach (var table in s_rawTables)
            {
                Assert.Equal(new[] { ("e1", insertedAt), ("e2", insertedAt.AddSeconds(1)) }, await InsertTimesAsync(store, table));
            }
        }
        finally
        {
            await DropAsync(store);
        }
    }

    /// <summary>(table, column) for the insert-time column, by either name, of each raw table of the store's database.</summary>
    private static async Task<List<(string Table, string Column)>> InsertTimeColumnsAsync(ClickHouseStore store)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("db", store.Options.Database);
        parameters.AddParameter("tables", s_rawTables);
        using var reader = await store.Client.ExecuteReaderAsync(
            "SELECT table, name FROM system.columns WHERE database = {db:String} AND has({tables:Array(String)}, table) AND name IN ('received_at', 'inserted_at') ORDER BY table, name",
            parameters);
        var columns = new List<(string, string)>();
        while (reader.Read())
        {
            columns.Add((reader.GetString(0), reader.GetString(1)));
        }

        return columns;
    }

    private static async Task InsertTwoRowsBeforeTheRenameAsync(ClickHouseStore store, string table, DateTime insertedAt)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("at", insertedAt);
        await store.Client.ExecuteNonQueryAsync(
            $"INSERT INTO {SchemaNames.Quote(table)} (shop_id, event_id, occurred_at, received_at) " +
            "VALUES ('shop', 'e1', {at:DateTime64(3, 'UTC')}, {at:DateTime64(3, 'UTC')}), ('shop', 'e2', {at:DateTime64(3, 'UTC')}, {at:DateTime64(3, 'UTC')} + INTERVAL 1 SECOND)",
            parameters);
    }

    private static async Task<List<(string EventId, DateTime InsertedAt)>> InsertTimesAsync(ClickHouseStore store, string table)
    {
        using var reader = await store.Client.ExecuteReaderAsync($"SELECT event_id, inserted_at FROM {SchemaNames.Quote(table)} FINAL ORDER BY event_id");
        var rows = new List<(string, DateTime)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetDateTime(1)));
        }

        return rows;
    }

    private static async Task<List<string>> TablesAsync(ClickHouseStore store)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("db", store.Options.Database);
        using var reader = await store.Client.ExecuteReaderAsync("SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name", parameters);
        var names = new List<string>();
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private static Task DropAsync(ClickHouseStore store) =>
        store.Client.ExecuteNonQueryAsync($"DROP DATABASE IF EXISTS {SchemaNames.Quote(store.Options.Database)} SYNC", options: ClickHouseStore.InDatabase("default"));
}
