namespace ServiceAnalytics.Storage;

/// <summary>
/// The settings every statement of the service runs with, on either deployment (the driver sends them with each
/// statement): its <see cref="StatementPriorities.Service"/> priority, two query-analysis settings, and on a cluster how
/// subqueries over sharded tables run.
/// </summary>
public static class StatementSettings
{
    /// <summary>The settings of the service's statements on the deployment <paramref name="options"/> configure.</summary>
    public static Dictionary<string, object> For(ClickHouseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["priority"] = StatementPriorities.Service,
            // The engine's optimize_and_compare_chain pass is off. The metric definitions are nested aliases and
            // lambdas (ComputedOutcomes), which the analyzer expands into one large expression tree, and this pass
            // hashes the whole of it at every AND it visits (ClickHouse pull request 108757): on the 200k-chat shop it
            // was most of the planning of an answer as of the request (an overview recomputing 60 chats: planned in
            // 380 ms with the pass, 115 ms without). The pass only derives comparisons from chains such as
            // `a = b AND b > 5`, which the service's statements do not rely on.
            ["optimize_and_compare_chain"] = 0,
            // So is the pass that fuses sum, count and avg of one argument into one aggregate
            // (optimize_syntax_fuse_functions): over the same large trees it took about 50 ms of planning an agent
            // details answer as of the request on the 200k-chat shop, and none of the service's aggregates are of
            // that form (measured, docs/storage.md).
            ["optimize_syntax_fuse_functions"] = 0,
        };
        if (options.Cluster is not null)
        {
            // Statements over the Distributed tables filter with IN (SELECT …) over Distributed tables too (a
            // refresh's changed chats, a shop's candidate chats). Every table is sharded by shop and every such
            // subquery is about the shops of its outer query, so each shard answers it from its own local table;
            // the server's default refuses such statements (DISTRIBUTED_IN_JOIN_SUBQUERY_DENIED).
            settings["distributed_product_mode"] = "local";
        }

        return settings;
    }
}
