using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ServiceAnalytics.Storage.Migrations;

/// <summary>
/// Renders migration templates for one node or for a cluster. Templates write
/// <c>{{table:name}}</c> for a table's storage (the table itself on one node, <c>name_local</c> on a cluster),
/// <c>{{reads:name}}</c> for the table queries read (the table itself on one node, the <c>Distributed</c> table on a
/// cluster: what a view reads, so it sees every shard), <c>{{on_cluster}}</c> after object names, and a line
/// <c>-- distribute: name BY sharding_expr</c> for each table that queries read across shards. <c>{{distributed:name}}</c> names that <c>Distributed</c> table, which exists on a
/// cluster only: a statement naming it (an <c>ALTER</c> the Distributed table must follow, as its columns were copied
/// from the storage's) is rendered on a cluster and left out on one node. On a cluster every <c>…MergeTree</c> engine becomes
/// <c>Replicated…MergeTree</c> (replica path and name from the server's <c>default_replica_path</c>/<c>default_replica_name</c>),
/// and each distributed table gets a <c>Distributed</c> table under the plain name, so queries read the same
/// names on one node and on a cluster.
/// </summary>
public sealed partial class SchemaTarget
{
    private SchemaTarget(string database, string? cluster)
    {
        Database = SchemaNames.CheckIdentifier(database, "ClickHouse:Database");
        Cluster = cluster is null ? null : SchemaNames.CheckIdentifier(cluster, "ClickHouse:Cluster");
    }

    public string Database { get; }

    public string? Cluster { get; }

    public static SchemaTarget SingleNode(string database) => new(database, null);

    public static SchemaTarget OnCluster(string database, string cluster) => new(database, cluster);

    public static SchemaTarget For(ClickHouseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrWhiteSpace(options.Cluster) ? SingleNode(options.Database) : OnCluster(options.Database, options.Cluster);
    }

    /// <summary><c> ON CLUSTER `c`</c> on a cluster, empty on one node.</summary>
    public string OnClusterClause => Cluster is null ? "" : $" ON CLUSTER {SchemaNames.Quote(Cluster)}";

    /// <summary>Fully qualified name of the table queries read (the Distributed table on a cluster).</summary>
    public string Table(string name) => $"{SchemaNames.Quote(Database)}.{SchemaNames.Quote(name)}";

    /// <summary>Fully qualified name of the table's storage on this node.</summary>
    public string LocalTable(string name) => Cluster is null ? Table(name) : Table(name + "_local");

    public IReadOnlyList<string> Render(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var text = TablePlaceholder().Replace(template, m => LocalTable(SchemaNames.CheckIdentifier(m.Groups[1].Value, "table name")));
        text = ReadsPlaceholder().Replace(text, m => Table(SchemaNames.CheckIdentifier(m.Groups[1].Value, "table name")));
        text = text.Replace("{{on_cluster}}", OnClusterClause, StringComparison.Ordinal)
            .Replace("{{database}}", SchemaNames.Quote(Database), StringComparison.Ordinal);
        var statements = new List<string>();
        foreach (var chunk in StatementEnd().Split(text))
        {
            var distributed = new List<string>();
            var sql = new StringBuilder();
            foreach (var line in chunk.Split('\n'))
            {
                var directive = DistributeDirective().Match(line);
                if (directive.Success)
                {
                    distributed.Add(RenderDistributed(directive.Groups[1].Value, directive.Groups[2].Value.Trim()));
                }
                else if (!line.TrimStart().StartsWith("--", StringComparison.Ordinal))
                {
                    sql.Append(line.TrimEnd('\r')).Append('\n');
                }
            }

            var statement = sql.ToString().Trim();
            if (DistributedPlaceholder().IsMatch(statement))
            {
                if (Cluster is null)
                {
                    continue;
                }

                statement = DistributedPlaceholder().Replace(statement, m => Table(SchemaNames.CheckIdentifier(m.Groups[1].Value, "distributed table name")));
            }

            if (statement.Length > 0)
            {
                statements.Add(Cluster is null ? statement : MergeTreeEngine().Replace(statement, "ENGINE = Replicated$1MergeTree"));
            }

            statements.AddRange(distributed.Where(_ => Cluster is not null));
        }

        return statements;
    }

    /// <summary>
    /// What a <c>-- distribute: name BY shardingKey</c> line renders to: on a cluster, the statement creating the
    /// <c>Distributed</c> table <paramref name="name"/> over every node's <c>name_local</c>; nothing on one node.
    /// </summary>
    public IReadOnlyList<string> Distribute(string name, string shardingKey) => Cluster is null ? [] : [RenderDistributed(name, shardingKey)];

    private string RenderDistributed(string name, string shardingKey)
    {
        SchemaNames.CheckIdentifier(name, "distributed table name");
        return string.Create(
            CultureInfo.InvariantCulture,
            $"CREATE TABLE IF NOT EXISTS {Table(name)}{OnClusterClause} AS {LocalTable(name)} ENGINE = Distributed({SchemaNames.Quote(Cluster!)}, {SchemaNames.Quote(Database)}, {SchemaNames.Quote(name + "_local")}, {shardingKey})");
    }

    [GeneratedRegex(@"\{\{table:([A-Za-z0-9_]+)\}\}")]
    private static partial Regex TablePlaceholder();

    [GeneratedRegex(@"\{\{reads:([A-Za-z0-9_]+)\}\}")]
    private static partial Regex ReadsPlaceholder();

    [GeneratedRegex(@"\{\{distributed:([A-Za-z0-9_]+)\}\}")]
    private static partial Regex DistributedPlaceholder();

    [GeneratedRegex(@";[ \t]*(?:\r?\n|$)")]
    private static partial Regex StatementEnd();

    [GeneratedRegex(@"^\s*--\s*distribute:\s*([A-Za-z0-9_]+)\s+BY\s+(.+)$", RegexOptions.IgnoreCase)]
    private static partial Regex DistributeDirective();

    [GeneratedRegex(@"ENGINE\s*=\s*(Replacing|Aggregating|Summing|Collapsing|VersionedCollapsing|)MergeTree\b")]
    private static partial Regex MergeTreeEngine();
}
