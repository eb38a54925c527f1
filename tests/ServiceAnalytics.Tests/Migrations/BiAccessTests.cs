using System.Text.RegularExpressions;
using ClickHouse.Driver.ADO.Parameters;
using Microsoft.Extensions.Logging.Abstractions;
using ServiceAnalytics.Storage.Bi;
using ServiceAnalytics.Storage.Migrations;

namespace ServiceAnalytics.Tests.Migrations;

/// <summary>
/// The server-side BI access (bi_access.sql, docs/bi-access.md) in the engine. chDB has no access management, so
/// here its statements can only be parsed (<c>formatQuery</c>); the server lane applies them for real.
/// </summary>
public sealed partial class BiAccessTests
{
    private static SchemaMigrator Migrator(ClickHouseStore store) => new(store, NullLogger<SchemaMigrator>.Instance);

    [Fact]
    public async Task The_rendering_for_one_node_and_for_a_cluster_parses_in_the_engine()
    {
        using var store = TestEnvironment.CreateStore(TestEnvironment.Options(ClickHouseLane.Embedded, "default"));
        var oneNode = BiAccessScript.Render(SchemaTarget.SingleNode("service_analytics"), new BiAccessOptions());
        var cluster = BiAccessScript.Render(SchemaTarget.OnCluster("service_analytics", "analytics_cluster"), new BiAccessOptions());

        foreach (var statement in oneNode)
        {
            Assert.DoesNotContain("ON CLUSTER", await FormatAsync(store, statement), StringComparison.Ordinal);
        }

        foreach (var statement in cluster)
        {
            Assert.Contains("ON CLUSTER analytics_cluster", await FormatAsync(store, statement), StringComparison.Ordinal);
        }

        Assert.Equal(oneNode.Count, cluster.Count);
    }

    [Fact]
    public async Task The_row_policies_as_the_engine_reads_them_cover_every_bi_view()
    {
        using var store = TestEnvironment.CreateStore(TestEnvironment.Options(ClickHouseLane.Embedded, "default"));
        var policies = BiAccessScript.Render(SchemaTarget.SingleNode("service_analytics"), new BiAccessOptions())
            .Where(s => s.StartsWith("CREATE ROW POLICY", StringComparison.Ordinal)).ToList();

        var formatted = new List<string>();
        foreach (var policy in policies)
        {
            formatted.Add(await FormatAsync(store, policy));
        }

        Assert.All(formatted, f => Assert.Equal(
            BiViews.Names.Select(v => "service_analytics." + v).Order(StringComparer.Ordinal),
            QualifiedViews().Matches(f).Select(m => m.Value).Order(StringComparer.Ordinal)));
        Assert.Equal(
            ["AS PERMISSIVE FOR SELECT USING 0 TO bi_reader", "AS PERMISSIVE FOR SELECT USING 1 TO bi_platform_analyst"],
            formatted.Select(f => f[f.IndexOf("AS PERMISSIVE", StringComparison.Ordinal)..]));
    }

    [Fact]
    public async Task Disabled_the_migrator_applies_none_of_it()
    {
        using var store = TestEnvironment.CreateStore(TestEnvironment.Options(ClickHouseLane.Embedded, TestEnvironment.UniqueDatabaseName("bi access off")));
        try
        {
            var report = await Migrator(store).MigrateAsync(CancellationToken.None);

            Assert.Equal(0, report.BiAccessStatements);
            Assert.Equal(MigrationScript.Embedded[^1].Version, report.SchemaVersion);
            // Had it run the first statement, this engine would have refused it: chDB has no access management.
            var first = BiAccessScript.Render(SchemaTarget.For(store.Options), store.Options.BiAccess)[0];
            Assert.StartsWith("CREATE ROLE", first, StringComparison.Ordinal);
            await Assert.ThrowsAnyAsync<Exception>(() => store.Client.ExecuteNonQueryAsync(first));
        }
        finally
        {
            await DropAsync(store);
        }
    }

    [Fact]
    public async Task Enabled_on_the_embedded_engine_the_migrator_refuses_before_it_creates_anything()
    {
        var options = TestEnvironment.Options(ClickHouseLane.Embedded, TestEnvironment.UniqueDatabaseName("bi access embedded"));
        options.BiAccess.Enabled = true;
        using var store = TestEnvironment.CreateStore(options);

        var refusal = await Assert.ThrowsAsync<InvalidOperationException>(() => Migrator(store).MigrateAsync(CancellationToken.None));

        Assert.StartsWith("ClickHouse:BiAccess:Enabled must be false on the embedded engine", refusal.Message, StringComparison.Ordinal);
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("db", options.Database);
        var databases = await store.Client.ExecuteScalarAsync(
            "SELECT count() FROM system.databases WHERE name = {db:String}", parameters, ClickHouseStore.InDatabase("default"));
        Assert.Equal(0UL, Convert.ToUInt64(databases, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Enabled_on_the_embedded_engine_the_service_does_not_start()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => ServiceHost.StartAsync(new Dictionary<string, string?> { ["ClickHouse:BiAccess:Enabled"] = "true" }));

        Assert.Contains("ClickHouse:BiAccess:Enabled must be false on the embedded engine", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_statement_docs_bi_access_md_tells_an_operator_to_run_parses_in_the_engine()
    {
        using var store = TestEnvironment.CreateStore(TestEnvironment.Options(ClickHouseLane.Embedded, "default"));
        var doc = await File.ReadAllTextAsync(Path.Combine(RepositoryLayout.Root, "docs", "bi-access.md"));
        var statements = SqlBlocks().Matches(doc)
            .SelectMany(m => m.Groups[1].Value.Split(';'))
            .Select(s => string.Join('\n', s.Split('\n').Where(l => !l.TrimStart().StartsWith("--", StringComparison.Ordinal))).Trim())
            .Where(s => s.Length > 0)
            .ToList();

        Assert.Contains(statements, s => s.StartsWith("CREATE USER", StringComparison.Ordinal));
        Assert.Contains(statements, s => s.StartsWith("CREATE ROW POLICY", StringComparison.Ordinal));
        foreach (var statement in statements)
        {
            await FormatAsync(store, statement);
        }
    }

    /// <summary>The server lane only: the embedded engine has no access management (its case is the refusal above).</summary>
    [Fact]
    public async Task On_a_server_it_creates_the_roles_profile_grants_and_policies_and_a_rerun_keeps_them()
    {
        var options = TestEnvironment.Options(ClickHouseLane.Server, TestEnvironment.UniqueDatabaseName("bi access server"));
        var suffix = options.Database[^8..];
        options.BiAccess = new BiAccessOptions
        {
            Enabled = true,
            ReaderRole = "bi_reader_" + suffix,
            AnalystRole = "bi_analyst_" + suffix,
            Profile = "bi_profile_" + suffix,
        };
        using var store = TestEnvironment.CreateStore(options);
        try
        {
            var first = await Migrator(store).MigrateAsync(CancellationToken.None);
            var second = await Migrator(store).MigrateAsync(CancellationToken.None);

            Assert.Equal(first.BiAccessStatements, second.BiAccessStatements);
            Assert.True(first.BiAccessStatements > 0);
            Assert.Equal(
                BiViews.Names.Order(StringComparer.Ordinal).Select(v => $"SELECT {options.Database}.{v}"),
                await RowsAsync(store, "SELECT concat(access_type, ' ', database, '.', table) FROM system.grants WHERE role_name = {name:String} ORDER BY table", options.BiAccess.ReaderRole));
            Assert.Equal(
                BiViews.Names.Order(StringComparer.Ordinal),
                await RowsAsync(store, "SELECT table FROM system.row_policies WHERE has(apply_to_list, {name:String}) AND select_filter = '1' ORDER BY table", options.BiAccess.AnalystRole));
            Assert.Equal(
                BiViews.Names.Order(StringComparer.Ordinal),
                await RowsAsync(store, "SELECT table FROM system.row_policies WHERE has(apply_to_list, {name:String}) AND select_filter = '0' ORDER BY table", options.BiAccess.ReaderRole));
            Assert.Equal(
                ["max_execution_time 30", "max_memory_usage 1073741824", "max_result_bytes 268435456", "max_result_rows 1000000", "readonly 1", "result_overflow_mode throw"],
                await RowsAsync(store, "SELECT concat(setting_name, ' ', toString(value)) FROM system.settings_profile_elements WHERE profile_name = {name:String} AND setting_name != '' ORDER BY setting_name", options.BiAccess.Profile));
        }
        finally
        {
            var views = string.Join(", ", BiViews.Names.Select(v => $"{SchemaNames.Quote(options.Database)}.{v}"));
            var access = options.BiAccess;
            string[] drops =
            [
                $"DROP ROW POLICY IF EXISTS bi_all_shops ON {views}",
                $"DROP ROW POLICY IF EXISTS bi_no_shops ON {views}",
                $"DROP SETTINGS PROFILE IF EXISTS {SchemaNames.Quote(access.Profile)}",
                $"DROP ROLE IF EXISTS {SchemaNames.Quote(access.ReaderRole)}, {SchemaNames.Quote(access.AnalystRole)}",
            ];
            foreach (var drop in drops)
            {
                await store.Client.ExecuteNonQueryAsync(drop, options: ClickHouseStore.InDatabase("default"));
            }

            await DropAsync(store);
        }
    }

    private static async Task<string> FormatAsync(ClickHouseStore store, string statement)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("sql", statement);
        return (string)(await store.Client.ExecuteScalarAsync("SELECT formatQuery({sql:String})", parameters))!;
    }

    private static async Task<List<string>> RowsAsync(ClickHouseStore store, string sql, string name)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("name", name);
        using var reader = await store.Client.ExecuteReaderAsync(sql, parameters);
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    private static Task DropAsync(ClickHouseStore store) =>
        store.Client.ExecuteNonQueryAsync($"DROP DATABASE IF EXISTS {SchemaNames.Quote(store.Options.Database)} SYNC", options: ClickHouseStore.InDatabase("default"));

    [GeneratedRegex(@"service_analytics\.bi_[a-z_]+")]
    private static partial Regex QualifiedViews();

    [GeneratedRegex(@"```sql\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex SqlBlocks();
}
