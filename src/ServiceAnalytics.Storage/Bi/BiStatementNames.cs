namespace ServiceAnalytics.Storage.Bi;

/// <summary>
/// The names of a statement's CTEs. <c>EXPLAIN AST</c> prints a CTE as <c>WithElement</c> without its name, so the
/// names come from the engine's tokens of the same canonical text: <c>formatQuery</c> prints every CTE and every
/// named window, and nothing else, as <c>name AS (</c>, in the order the tree lists its <c>WithElement</c> and
/// <c>WindowListElement</c> nodes. The two are paired in that order; when their counts differ the statement is
/// refused rather than guessed at.
/// </summary>
internal static class BiStatementNames
{
    /// <summary>Each <c>WithElement</c> node of <paramref name="root"/> with its CTE name.</summary>
    public static IReadOnlyDictionary<ClickHouseAst, string> Pair(ClickHouseAst root, IReadOnlyList<BiSqlToken> tokens)
    {
        var declared = BiSqlToken.DeclaredNames(tokens);
        var nodes = root.DescendantsAndSelf().Where(node => node.Kind is "WithElement" or "WindowListElement").ToList();
        if (nodes.Count != declared.Count)
        {
            throw BiStatementPolicy.Denied(
                $"the SQL endpoint could not match the statement's {nodes.Count} CTEs and named windows to its {declared.Count} declarations");
        }

        var names = new Dictionary<ClickHouseAst, string>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < nodes.Count; i++)
        {
            if (nodes[i].Kind == "WithElement")
            {
                names[nodes[i]] = declared[i];
            }
        }

        return names;
    }
}
