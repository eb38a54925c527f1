using System.Text.RegularExpressions;

namespace ServiceAnalytics.Storage.Telemetry;

/// <summary>
/// What a span may say about a ClickHouse statement without its text: its kind (the leading keyword, SELECT for a
/// <c>WITH … SELECT</c>) and the table it is about when the statement names one plainly — the target of INSERT, CREATE,
/// DROP, ALTER, TRUNCATE, OPTIMIZE, RENAME, EXCHANGE; the first table a SELECT or DELETE reads <c>FROM</c> (a table
/// function such as <c>numbers(10)</c> is not a table). The text itself is never put on a span: a BI user's ad hoc SQL
/// may hold literal values, and a DDL statement may hold a credential.
/// </summary>
public static partial class ClickHouseStatementSummary
{
    /// <summary>Only the head of a statement is looked at: the kind and table of every statement of the service are in it.</summary>
    public const int ScannedChars = 8 * 1024;

    /// <summary>The statement's kind (upper case) and table, either null when the text does not say.</summary>
    public static (string? Kind, string? Table) Summarize(string? sql)
    {
        if (string.IsNullOrEmpty(sql))
        {
            return (null, null);
        }

        var head = sql.Length > ScannedChars ? sql[..ScannedChars] : sql;
        var keyword = LeadingKeyword().Match(head);
        if (!keyword.Success)
        {
            return (null, null);
        }

        var kind = keyword.Groups["kind"].Value.ToUpperInvariant();
        if (kind == "WITH")
        {
            kind = "SELECT";
        }

        // A kind is one of a fixed set: the SQL endpoint's callers write their own statements, and an attribute or a
        // span name must not take whatever word they begin with.
        if (!s_kinds.Contains(kind))
        {
            return ("OTHER", null);
        }

        var target = kind switch
        {
            "INSERT" => InsertTarget().Match(head),
            "CREATE" or "DROP" or "ALTER" or "TRUNCATE" or "OPTIMIZE" or "RENAME" or "EXCHANGE" or "ATTACH" or "DETACH" => DefinitionTarget().Match(head),
            "SELECT" or "DELETE" => FirstSource().Match(head),
            _ => Match.Empty,
        };
        return (kind, target.Success ? Unquote(target.Groups["table"].Value) : null);
    }

    private static readonly HashSet<string> s_kinds =
    [
        "SELECT", "INSERT", "CREATE", "DROP", "ALTER", "TRUNCATE", "OPTIMIZE", "RENAME", "EXCHANGE", "ATTACH", "DETACH",
        "DELETE", "UPDATE", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "EXISTS", "SET", "USE", "SYSTEM", "KILL", "CHECK", "GRANT", "REVOKE",
    ];

    private static string Unquote(string name) => name.Replace("`", "", StringComparison.Ordinal).Replace("\"", "", StringComparison.Ordinal);

    // A name: db.table or table, each part plain or quoted with backticks or double quotes.
    private const string Name = """(?<table>(?>(?:`[^`]+`|"[^"]+"|[A-Za-z_][A-Za-z0-9_]*)(?:\.(?:`[^`]+`|"[^"]+"|[A-Za-z_][A-Za-z0-9_]*))?))""";

    // Leading white space and comments, then the first word.
    [GeneratedRegex(@"\A(?:\s+|--[^\n]*(?:\n|\z)|/\*.*?\*/)*(?<kind>[A-Za-z]+)", RegexOptions.Singleline)]
    private static partial Regex LeadingKeyword();

    [GeneratedRegex(@"\bINSERT\s+INTO\s+(?:TABLE\s+)?" + Name, RegexOptions.IgnoreCase)]
    private static partial Regex InsertTarget();

    [GeneratedRegex(
        @"\A\W*\w+\s+(?:OR\s+REPLACE\s+)?(?:TEMPORARY\s+)?(?:TABLES?|VIEW|MATERIALIZED\s+VIEW|DICTIONARY)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?" + Name,
        RegexOptions.IgnoreCase)]
    private static partial Regex DefinitionTarget();

    // The first FROM followed by a name that is not a call (a table function) nor a sub-query.
    [GeneratedRegex(@"\bFROM\s+" + Name + @"(?!\s*\()", RegexOptions.IgnoreCase)]
    private static partial Regex FirstSource();
}
