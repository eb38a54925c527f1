namespace ServiceAnalytics.Storage.Bi;

/// <summary>What a BI statement is, once <see cref="BiStatementPolicy"/> allowed it.</summary>
public enum BiStatementKind
{
    /// <summary>A SELECT (with UNION/INTERSECT/EXCEPT, CTEs, subqueries, joins).</summary>
    Select,

    /// <summary><c>SHOW TABLES</c> or <c>SHOW DATABASES</c>, served from the filtered system tables.</summary>
    Show,

    /// <summary><c>DESCRIBE</c> of a BI view or an allowed system table.</summary>
    Describe,
}

/// <summary>A statement the guard allowed: its kind and the output format its <c>FORMAT</c> clause names, if any.</summary>
public sealed record BiStatementShape(BiStatementKind Kind, string? Format);

/// <summary>
/// Decides, from the engine's parse of one canonical statement (<see cref="ClickHouseAst"/>) and the engine's
/// tokens of it, whether a BI caller may run it, or throws the ClickHouse-style <see cref="BiSqlException"/> a
/// read-only server with a BI role would give: <c>164 READONLY</c> for statements that write or change settings,
/// <c>497 ACCESS_DENIED</c> for tables, table functions, functions, formats and statements outside what BI tools
/// need. Pure: no engine call, so it is unit-tested on recorded dumps.
/// </summary>
public sealed class BiStatementPolicy(string serviceDatabase, BiFunctionPolicy functions)
{
    /// <summary>System tables a BI driver reads to connect; the runner filters them to the BI views.</summary>
    public static IReadOnlySet<string> AllowedSystemTables { get; } = new HashSet<string>(StringComparer.Ordinal) { "one", "tables", "columns", "databases" };

    /// <summary>Output formats a BI caller may ask for (compared case-sensitively, as ClickHouse names formats).</summary>
    public static IReadOnlySet<string> AllowedFormats { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "JSON", "JSONStrings", "JSONCompact", "JSONCompactStrings", "JSONEachRow", "JSONStringsEachRow", "JSONCompactEachRow",
        "JSONCompactEachRowWithNames", "JSONCompactEachRowWithNamesAndTypes", "JSONCompactStringsEachRow",
        "JSONCompactStringsEachRowWithNames", "JSONCompactStringsEachRowWithNamesAndTypes", "JSONColumns", "JSONColumnsWithMetadata",
        "TabSeparated", "TSV", "TabSeparatedRaw", "TSVRaw", "TabSeparatedWithNames", "TSVWithNames", "TabSeparatedWithNamesAndTypes",
        "TSVWithNamesAndTypes", "TabSeparatedRawWithNames", "TSVRawWithNames", "TabSeparatedRawWithNamesAndTypes", "TSVRawWithNamesAndTypes",
        "CSV", "CSVWithNames", "CSVWithNamesAndTypes", "RowBinary", "RowBinaryWithNames", "RowBinaryWithNamesAndTypes",
        "Native", "Parquet", "Arrow", "ArrowStream", "ORC", "Values", "XML", "Markdown", "Vertical", "Null",
        "Pretty", "PrettyCompact", "PrettyCompactMonoBlock", "PrettyNoEscapes", "PrettyMonoBlock", "PrettyNoEscapesMonoBlock",
        "PrettySpace", "PrettySpaceNoEscapes", "PrettySpaceMonoBlock", "PrettySpaceNoEscapesMonoBlock", "PrettyCompactNoEscapes",
        "PrettyCompactNoEscapesMonoBlock",
    };

    /// <summary>Statement kinds (the root node's) that write or administer: a read-only server answers them READONLY.</summary>
    private static readonly string[] s_writeKindPrefixes =
    [
        "Insert", "Alter", "Drop", "Truncate", "Create", "SYSTEM", "System", "Kill", "Optimize", "Rename", "Grant", "Revoke",
        "Backup", "Restore", "Undrop", "Attach", "Detach", "Delete", "Update", "Move", "Exchange", "Transaction", "Set",
        "ExternalDDL", "Refresh",
    ];

    /// <summary>Judges one statement; returns its shape or throws <see cref="BiSqlException"/>.</summary>
    /// <param name="root">The engine's parse of the canonical statement.</param>
    /// <param name="tokens">The engine's tokens of the canonical statement (whitespace and comments left out).</param>
    public BiStatementShape Check(ClickHouseAst root, IReadOnlyList<BiSqlToken> tokens)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(tokens);
        RefuseSettings(root);
        switch (root.Kind)
        {
            case "SelectWithUnionQuery":
                var format = CheckOutputOptions(root);
                new BiTableResolver(serviceDatabase, functions, BiStatementNames.Pair(root, tokens)).CheckQuery(root);
                return new BiStatementShape(BiStatementKind.Select, format);
            case "ShowTables" when tokens.Count >= 2 && tokens[0].IsWord("SHOW") && (tokens[1].IsWord("TABLES") || tokens[1].IsWord("DATABASES")):
                return new BiStatementShape(BiStatementKind.Show, ShowFormat(tokens));
            case "DescribeQuery":
                return new BiStatementShape(BiStatementKind.Describe, CheckDescribe(root));
            default:
                if (s_writeKindPrefixes.Any(prefix => root.Kind.StartsWith(prefix, StringComparison.Ordinal)))
                {
                    throw BiSqlException.Of(164, "READONLY", "Cannot execute query in readonly mode: the SQL endpoint only reads");
                }

                throw Denied($"the SQL endpoint runs SELECT, SHOW TABLES, SHOW DATABASES and DESCRIBE only, not {root.Kind}");
        }
    }

    /// <summary>The ClickHouse-style ACCESS_DENIED every refusal of a table, function or format uses.</summary>
    public static BiSqlException Denied(string detail) => BiSqlException.Of(497, "ACCESS_DENIED", "Not enough privileges: " + detail);

    /// <summary>Checks a format name against <see cref="AllowedFormats"/>; returns it.</summary>
    public static string CheckFormat(string format) =>
        AllowedFormats.Contains(format) ? format : throw Denied($"output format {format} is not one the SQL endpoint serves");

    /// <summary>A SETTINGS clause anywhere (a <c>Set</c> node at any level) or a SET statement: a read-only server refuses both.</summary>
    private static void RefuseSettings(ClickHouseAst root)
    {
        if (root.DescendantsAndSelf().Any(node => node.Kind == "Set"))
        {
            throw BiSqlException.Of(164, "READONLY", "Cannot modify settings in readonly mode: the SQL endpoint sets every setting itself");
        }
    }

    /// <summary>
    /// The top SELECT's output options follow its first <c>ExpressionList</c>: a <c>Literal</c> is INTO OUTFILE
    /// (refused), an <c>Identifier</c> is FORMAT (checked against the allowlist). Returns the format or null.
    /// </summary>
    private static string? CheckOutputOptions(ClickHouseAst root)
    {
        string? format = null;
        foreach (var option in root.Children.Skip(1))
        {
            format = option.Kind switch
            {
                "Identifier" => CheckFormat(option.Argument),
                "Literal" => throw Denied("INTO OUTFILE writes a file of the server"),
                _ => throw Denied($"unexpected output option {option}"),
            };
        }

        return format;
    }

    private string? CheckDescribe(ClickHouseAst root)
    {
        string? format = null;
        foreach (var child in root.Children)
        {
            if (child.Kind == "Identifier")
            {
                format = CheckFormat(child.Argument);
            }
            else if (child is not { Kind: "TableExpression", Children: [{ Kind: "TableIdentifier" } table] })
            {
                throw Denied("DESCRIBE is allowed for a BI view only");
            }
            else
            {
                new BiTableResolver(serviceDatabase, functions, new Dictionary<ClickHouseAst, string>()).CheckTable(table.Argument, []);
            }
        }

        return format;
    }

    /// <summary>SHOW's FORMAT clause: the dump does not tell it from FROM, the tokens do (<c>… FORMAT name</c> at the end).</summary>
    private static string? ShowFormat(IReadOnlyList<BiSqlToken> tokens) =>
        tokens.Count >= 2 && tokens[^2].IsWord("FORMAT") && tokens[^1].IsName ? CheckFormat(tokens[^1].Name()) : null;
}
