using ServiceAnalytics.Storage.Bi;

namespace ServiceAnalytics.UnitTests.Bi;

/// <summary>
/// <c>EXPLAIN AST</c> answers and <c>tokenizeQuery</c> tokens recorded from the engine (chDB 26.7) for canonical
/// statements (<c>formatQuery</c>'s output), so the guard's pure parts are tested on what the engine really prints:
/// one dump verbatim, the others built node by node in the engine's layout.
/// </summary>
internal static class RecordedDumps
{
    /// <summary><c>SELECT a FROM d.bi_v AS v WHERE x IN (SELECT 1) SETTINGS max_threads = 1 FORMAT JSON</c></summary>
    public const string SelectWithSettingsAndFormat = """
        SelectWithUnionQuery (children 2)
         ExpressionList (children 1)
          SelectQuery (children 4)
           ExpressionList (children 1)
            Identifier a
           TablesInSelectQuery (children 1)
            TablesInSelectQueryElement (children 1)
             TableExpression (children 1)
              TableIdentifier d.bi_v (alias v)
           Function in (children 1)
            ExpressionList (children 2)
             Identifier x
             Subquery (children 1)
              SelectWithUnionQuery (children 1)
               ExpressionList (children 1)
                SelectQuery (children 1)
                 ExpressionList (children 1)
                  Literal UInt64_1
           Set
         Identifier JSON
        """;

    /// <summary><c>SELECT * FROM file('/etc/hostname') INTO OUTFILE '/tmp/x' FORMAT CSV</c></summary>
    public static string FileIntoOutfile { get; } = Union(
        Node("SelectQuery", Node("ExpressionList", "Asterisk"), From(Node("Function file", Node("ExpressionList", "Literal '/etc/hostname'")))),
        "Literal '/tmp/x'",
        "Identifier CSV");

    /// <summary>The shape of <c>WITH c AS (SELECT 1) SELECT * FROM {table}</c> (a CTE, then one table read).</summary>
    public static string CteThenRead(string table) => Union(Node(
        "SelectQuery",
        Node("ExpressionList", Node("WithElement", Node("Subquery", SelectOne))),
        Node("ExpressionList", "Asterisk"),
        From("TableIdentifier " + table)));

    /// <summary><c>SELECT * FROM {table} FORMAT {format}</c>.</summary>
    public static string ReadWithFormat(string table, string format) =>
        Union(Node("SelectQuery", Node("ExpressionList", "Asterisk"), From("TableIdentifier " + table)), "Identifier " + format);

    /// <summary><c>SELECT * FROM {table} WHERE x IN ({subquery})</c>.</summary>
    public static string ReadWhereIn(string table, string subquery) => Union(Node(
        "SelectQuery",
        Node("ExpressionList", "Asterisk"),
        From("TableIdentifier " + table),
        Node("Function in", Node("ExpressionList", "Identifier x", Node("Subquery", subquery)))));

    /// <summary><c>SELECT {function}('x') FROM bi_chats</c>.</summary>
    public static string CallFrom(string function) => Union(Node(
        "SelectQuery",
        Node("ExpressionList", Node("Function " + function, Node("ExpressionList", "Literal 'x'"))),
        From("TableIdentifier bi_chats")));

    /// <summary><c>SELECT 1</c>.</summary>
    private static string SelectOne => Union(Node("SelectQuery", Node("ExpressionList", "Literal UInt64_1")));

    /// <summary>A statement: its query (a <c>SelectQuery</c>) and what follows it (<c>INTO OUTFILE</c>, <c>FORMAT</c>).</summary>
    private static string Union(string select, params string[] after) => Node("SelectWithUnionQuery", [Node("ExpressionList", select), .. after]);

    /// <summary>A query's <c>FROM</c> of one table or table function.</summary>
    private static string From(string source) => Node("TablesInSelectQuery", Node("TablesInSelectQueryElement", Node("TableExpression", source)));

    /// <summary>
    /// A node as the engine prints it: its line, with <c>(children n)</c> when it has any, and each child's lines below
    /// it one space further in. The shapes above are built from it, so each is the tree it names rather than text
    /// copied from the next one.
    /// </summary>
    private static string Node(string line, params string[] children) => children.Length == 0
        ? line
        : string.Join('\n', [$"{line} (children {children.Length})", .. children.SelectMany(child => child.Split('\n')).Select(childLine => " " + childLine)]);

    /// <summary>
    /// Tokens as <c>tokenizeQuery</c> types them, from words separated by spaces: brackets, commas and <c>*</c> get
    /// their token types, back-quoted names are quoted identifiers, numbers numbers, the rest bare words.
    /// </summary>
    public static IReadOnlyList<BiSqlToken> Tokens(string words) =>
    [
        .. words.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(word => new BiSqlToken(word, word switch
        {
            "(" => "OpeningRoundBracket",
            ")" => "ClosingRoundBracket",
            "," => "Comma",
            "*" => "Asterisk",
            _ when word.StartsWith('`') => "QuotedIdentifier",
            _ when char.IsAsciiDigit(word[0]) => "Number",
            _ => "BareWord",
        })),
    ];
}
