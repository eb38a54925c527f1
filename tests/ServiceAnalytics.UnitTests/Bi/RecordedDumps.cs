using ServiceAnalytics.Storage.Bi;

namespace ServiceAnalytics.UnitTests.Bi;

/// <summary>
/// <c>EXPLAIN AST</c> answers and <c>tokenizeQuery</c> tokens recorded from the engine (chDB 26.7) for canonical
/// statements (<c>formatQuery</c>'s output), so the guard's pure parts are tested on what the engine really prints.
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
    public const string FileIntoOutfile = """
        SelectWithUnionQuery (children 3)
         ExpressionList (children 1)
          SelectQuery (children 2)
           ExpressionList (children 1)
            Asterisk
           TablesInSelectQuery (children 1)
            TablesInSelectQueryElement (children 1)
             TableExpression (children 1)
              Function file (children 1)
               ExpressionList (children 1)
                Literal '/etc/hostname'
         Literal '/tmp/x'
         Identifier CSV
        """;

    /// <summary>The shape of <c>WITH c AS (SELECT 1) SELECT * FROM {table}</c> (a CTE, then one table read).</summary>
    public static string CteThenRead(string table) => $$"""
        SelectWithUnionQuery (children 1)
         ExpressionList (children 1)
          SelectQuery (children 3)
           ExpressionList (children 1)
            WithElement (children 1)
             Subquery (children 1)
              SelectWithUnionQuery (children 1)
               ExpressionList (children 1)
                SelectQuery (children 1)
                 ExpressionList (children 1)
                  Literal UInt64_1
           ExpressionList (children 1)
            Asterisk
           TablesInSelectQuery (children 1)
            TablesInSelectQueryElement (children 1)
             TableExpression (children 1)
              TableIdentifier {{table}}
        """;

    /// <summary><c>SELECT * FROM {table} FORMAT {format}</c>.</summary>
    public static string ReadWithFormat(string table, string format) => $$"""
        SelectWithUnionQuery (children 2)
         ExpressionList (children 1)
          SelectQuery (children 2)
           ExpressionList (children 1)
            Asterisk
           TablesInSelectQuery (children 1)
            TablesInSelectQueryElement (children 1)
             TableExpression (children 1)
              TableIdentifier {{table}}
         Identifier {{format}}
        """;

    /// <summary><c>SELECT {function}('x') FROM bi_chats</c>.</summary>
    public static string CallFrom(string function) => $$"""
        SelectWithUnionQuery (children 1)
         ExpressionList (children 1)
          SelectQuery (children 2)
           ExpressionList (children 1)
            Function {{function}} (children 1)
             ExpressionList (children 1)
              Literal 'x'
           TablesInSelectQuery (children 1)
            TablesInSelectQueryElement (children 1)
             TableExpression (children 1)
              TableIdentifier bi_chats
        """;

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
