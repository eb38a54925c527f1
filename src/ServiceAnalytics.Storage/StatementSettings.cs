namespace ServiceAnalytics.Storage;

/// <summary>
/// The settings every statement of the service runs with, on either deployment (the driver sends them with each
/// statement): its <see cref="StatementPriorities.Service"/> priority, and query-analysis settings.
/// </summary>
public static class StatementSettings
{
    /// <summary>
    /// The engine's <c>optimize_and_compare_chain</c> pass is off. The metric definitions are nested aliases and
    /// lambdas (<c>ComputedOutcomes</c>), which the analyzer expands into one large expression tree, and this pass
    /// hashes the whole of it at every <c>AND</c> it visits (ClickHouse pull request 108757): on the 200k-chat shop
    /// it was most of the planning of an answer as of the request (an overview that recomputes 60 chats: planned in
    /// 380 ms with the pass, 115 ms without; the statement 400-530 ms against 150-300 ms). The pass only derives
    /// comparisons from chains like <c>a = b AND b &gt; 5</c>, which the service's statements do not rely on.
    /// </summary>
    public static IReadOnlyDictionary<string, object> Service { get; } = new Dictionary<string, object>(StringComparer.Ordinal)
    {
        ["priority"] = StatementPriorities.Service,
        ["optimize_and_compare_chain"] = 0,
    };
}
