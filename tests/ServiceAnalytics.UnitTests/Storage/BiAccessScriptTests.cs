using System.Text.RegularExpressions;
using ServiceAnalytics.Storage;
using ServiceAnalytics.Storage.Bi;
using ServiceAnalytics.Storage.Migrations;

namespace ServiceAnalytics.UnitTests.Storage;

/// <summary>
/// The server-side BI access template as rendered for one node and a cluster: every statement re-runnable, every BI
/// view in each list, names and limits from the options. (That the rendering parses is checked in the engine:
/// BiAccessTests in the engine tier.)
/// </summary>
public sealed partial class BiAccessScriptTests
{
    /// <summary>One node (no cluster name) and a cluster.</summary>
    public static TheoryData<string> Clusters => ["", "main"];

    private static SchemaTarget Target(string cluster) => cluster.Length == 0 ? SchemaTarget.SingleNode("sa") : SchemaTarget.OnCluster("sa", cluster);

    [Theory]
    [MemberData(nameof(Clusters))]
    public void Every_statement_is_rerunnable(string cluster)
    {
        var statements = BiAccessScript.Render(Target(cluster), new BiAccessOptions());

        Assert.NotEmpty(statements);
        Assert.All(statements, s => Assert.True(BiAccessScript.IsRerunnable(s), $"Not re-runnable: {s}"));
    }

    [Fact]
    public void Statements_that_are_not_rerunnable_are_recognised()
    {
        Assert.False(BiAccessScript.IsRerunnable("CREATE ROLE r"));
        Assert.False(BiAccessScript.IsRerunnable("CREATE ROW POLICY OR REPLACE p ON d.t USING 1 TO r"));
        Assert.False(BiAccessScript.IsRerunnable("CREATE SETTINGS PROFILE p SETTINGS readonly = 1"));
        Assert.False(BiAccessScript.IsRerunnable("REVOKE SELECT ON d.t FROM r"));
        Assert.False(BiAccessScript.IsRerunnable("GRANT SELECT ON d.t TO r WITH GRANT OPTION"));
        Assert.False(BiAccessScript.IsRerunnable("DROP ROLE r"));
        Assert.True(BiAccessScript.IsRerunnable("GRANT ON CLUSTER `c` SELECT ON `d`.t TO `r`"));
    }

    [Theory]
    [MemberData(nameof(Clusters))]
    public void The_reader_role_is_granted_select_on_every_bi_view_and_nothing_else(string cluster)
    {
        var grants = BiAccessScript.Render(Target(cluster), new BiAccessOptions()).Where(s => s.StartsWith("GRANT", StringComparison.Ordinal)).ToList();
        var onCluster = cluster.Length == 0 ? "" : $" ON CLUSTER `{cluster}`";

        Assert.Equal(
            BiViews.Names.Select(v => $"GRANT{onCluster} SELECT ON `sa`.{v} TO `bi_reader`").Append($"GRANT{onCluster} `bi_reader` TO `bi_platform_analyst`"),
            grants);
    }

    [Fact]
    public void The_row_policy_statements_name_every_bi_view()
    {
        var policies = BiAccessScript.Render(Target(""), new BiAccessOptions()).Where(s => s.Contains("ROW POLICY", StringComparison.Ordinal)).ToList();

        Assert.Equal(4, policies.Count);
        Assert.All(policies, p => Assert.Equal(BiViews.Names.Order(StringComparer.Ordinal), ViewsNamed(p).Order(StringComparer.Ordinal)));
        // Every reader has a policy (no rows), so one without its shops' policy sees nothing; analysts see every shop.
        Assert.Equal(
            [
                "CREATE ROW POLICY IF NOT EXISTS `bi_no_shops`|FOR SELECT USING 0 AS PERMISSIVE TO `bi_reader`",
                "ALTER ROW POLICY `bi_no_shops`|FOR SELECT USING 0 AS PERMISSIVE TO `bi_reader`",
                "CREATE ROW POLICY IF NOT EXISTS `bi_all_shops`|FOR SELECT USING 1 AS PERMISSIVE TO `bi_platform_analyst`",
                "ALTER ROW POLICY `bi_all_shops`|FOR SELECT USING 1 AS PERMISSIVE TO `bi_platform_analyst`",
            ],
            policies.Select(p => p[..p.IndexOf('\n', StringComparison.Ordinal)] + "|" + p[(p.LastIndexOf('\n') + 1)..].Trim()));
    }

    [Fact]
    public void The_template_names_exactly_the_bi_views()
    {
        var named = ViewsNamed(string.Join('\n', BiAccessScript.Template.Split('\n').Where(l => !l.TrimStart().StartsWith("--", StringComparison.Ordinal))));

        Assert.Equal(BiViews.Names.Order(StringComparer.Ordinal), named.Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Names_and_limits_come_from_the_options()
    {
        var options = new BiAccessOptions
        {
            ReaderRole = "shop_bi",
            AnalystRole = "analysts",
            Profile = "shop_bi_limits",
            NoShopsPolicy = "nothing",
            AllShopsPolicy = "everything",
            MaxExecutionTime = TimeSpan.FromSeconds(90),
            MaxResultRows = 5_000,
            MaxResultBytes = 2_000_000,
            MaxMemoryUsage = 123_456_789,
        };

        var text = string.Join('\n', BiAccessScript.Render(Target("main"), options));

        Assert.Contains("CREATE ROLE IF NOT EXISTS `shop_bi` ON CLUSTER `main`", text, StringComparison.Ordinal);
        Assert.Contains("CREATE ROLE IF NOT EXISTS `analysts` ON CLUSTER `main`", text, StringComparison.Ordinal);
        Assert.Contains("ALTER SETTINGS PROFILE `shop_bi_limits` ON CLUSTER `main`", text, StringComparison.Ordinal);
        Assert.Contains("CREATE ROW POLICY IF NOT EXISTS `everything` ON CLUSTER `main`", text, StringComparison.Ordinal);
        Assert.Contains("CREATE ROW POLICY IF NOT EXISTS `nothing` ON CLUSTER `main`", text, StringComparison.Ordinal);
        Assert.Contains("max_execution_time = 90 CONST", text, StringComparison.Ordinal);
        Assert.Contains("max_result_rows = 5000 CONST", text, StringComparison.Ordinal);
        Assert.Contains("max_result_bytes = 2000000 CONST", text, StringComparison.Ordinal);
        Assert.Contains("max_memory_usage = 123456789 CONST", text, StringComparison.Ordinal);
        Assert.Contains("readonly = 1 CONST", text, StringComparison.Ordinal);
        Assert.Contains("TO `shop_bi`, `analysts`", text, StringComparison.Ordinal);
        Assert.DoesNotContain("bi_reader", text, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_that_is_not_an_identifier_never_reaches_the_sql()
    {
        var refusal = Assert.Throws<ArgumentException>(() => BiAccessScript.Render(Target(""), new BiAccessOptions { ReaderRole = "r`; DROP USER default" }));

        Assert.StartsWith("ClickHouse:BiAccess:ReaderRole must be a plain identifier", refusal.Message, StringComparison.Ordinal);
    }

    /// <summary>The BI view names (<c>bi_…</c> after the database) a statement or template names, in order.</summary>
    private static List<string> ViewsNamed(string sql) => [.. ViewName().Matches(sql).Select(m => m.Groups[1].Value)];

    [GeneratedRegex(@"(?:`sa`|\{\{database\}\})\.(bi_[a-z_]+)")]
    private static partial Regex ViewName();
}
