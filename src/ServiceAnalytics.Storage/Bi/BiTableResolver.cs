namespace ServiceAnalytics.Storage.Bi;

/// <summary>
/// Walks one statement's tree and checks what it reads: every table it names (in FROM, JOIN, <c>IN table</c>) must
/// resolve to a BI view of the service database or an allowed system table, every function must be allowed by
/// <see cref="BiFunctionPolicy"/>, and no table function may appear. Resolution is scope-aware, as the engine's:
/// an unqualified name is a CTE when one of that name is declared in an enclosing scope (a WITH of this SELECT or
/// of a SELECT around it; a WITH of a UNION's first SELECT covers the whole UNION, as ClickHouse's
/// <c>enable_global_with_statement</c> does), and otherwise a table of the service database.
/// </summary>
internal sealed class BiTableResolver(string serviceDatabase, BiFunctionPolicy functions, IReadOnlyDictionary<ClickHouseAst, string> cteNames)
{
    /// <summary>Functions whose second argument, when a bare identifier, names a table (<c>x IN t</c>).</summary>
    private static readonly HashSet<string> s_inFunctions = new(StringComparer.OrdinalIgnoreCase)
    {
        "in", "notIn", "globalIn", "globalNotIn", "nullIn", "notNullIn", "globalNullIn", "globalNotNullIn",
    };

    public void CheckQuery(ClickHouseAst root) => Visit(root, []);

    /// <summary>Checks one table name as the tree prints it (<c>name</c> or <c>db.name</c>) against the CTEs in scope.</summary>
    public void CheckTable(string name, IReadOnlyCollection<string> ctesInScope)
    {
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            if (ctesInScope.Contains(name) || BiViews.Names.Contains(name))
            {
                return;
            }

            throw BiStatementPolicy.Denied($"table {serviceDatabase}.{name} is not a BI view; the SQL endpoint reads only {string.Join(", ", BiViews.Names)}");
        }

        var database = name[..dot];
        var table = name[(dot + 1)..];
        var allowed = database == serviceDatabase ? BiViews.Names.Contains(table)
            : database == "system" && BiStatementPolicy.AllowedSystemTables.Contains(table);
        if (!allowed)
        {
            throw BiStatementPolicy.Denied($"table {name} is not a BI view of {serviceDatabase} nor a system table BI drivers need");
        }
    }

    private void Visit(ClickHouseAst node, IReadOnlyCollection<string> scope)
    {
        switch (node.Kind)
        {
            case "SelectWithUnionQuery":
                VisitUnion(node, scope);
                return;
            case "SelectQuery":
                VisitChildren(node, Extend(scope, node));
                return;
            case "TableExpression":
                VisitTableExpression(node, scope);
                return;
            case "Function":
                VisitFunction(node, scope);
                return;
            case "Explain":
                throw BiStatementPolicy.Denied("EXPLAIN is not served by the SQL endpoint");
            default:
                VisitChildren(node, scope);
                return;
        }
    }

    /// <summary>A UNION's first SELECT declares CTEs for all of its parts.</summary>
    private void VisitUnion(ClickHouseAst union, IReadOnlyCollection<string> scope)
    {
        foreach (var child in union.Children)
        {
            var first = child.Kind == "ExpressionList" && child.Children.Count > 0 && child.Children[0].Kind == "SelectQuery"
                ? child.Children[0]
                : null;
            VisitChildren(child, first is null ? scope : Extend(scope, first));
        }
    }

    private void VisitTableExpression(ClickHouseAst expression, IReadOnlyCollection<string> scope)
    {
        foreach (var child in expression.Children)
        {
            switch (child.Kind)
            {
                case "TableIdentifier":
                    CheckTable(child.Argument, scope);
                    break;
                case "Function":
                    throw BiStatementPolicy.Denied($"table function {child.Argument} is not allowed; the SQL endpoint reads only BI views");
                default:
                    Visit(child, scope);
                    break;
            }
        }
    }

    private void VisitFunction(ClickHouseAst function, IReadOnlyCollection<string> scope)
    {
        functions.Check(function.Argument);
        if (s_inFunctions.Contains(function.Argument)
            && function.Children is [{ Kind: "ExpressionList", Children: [_, { Kind: "Identifier" } table] }])
        {
            CheckTable(table.Argument, scope);
        }

        VisitChildren(function, scope);
    }

    private void VisitChildren(ClickHouseAst node, IReadOnlyCollection<string> scope)
    {
        foreach (var child in node.Children)
        {
            Visit(child, scope);
        }
    }

    /// <summary>The scope inside <paramref name="select"/>: the outer one plus the CTEs its WITH declares.</summary>
    private IReadOnlyCollection<string> Extend(IReadOnlyCollection<string> scope, ClickHouseAst select)
    {
        var declared = select.Children.Count > 0 && select.Children[0].Kind == "ExpressionList"
            ? select.Children[0].Children.Where(cteNames.ContainsKey).Select(element => cteNames[element]).ToList()
            : [];
        return declared.Count == 0 ? scope : [.. scope, .. declared];
    }
}
