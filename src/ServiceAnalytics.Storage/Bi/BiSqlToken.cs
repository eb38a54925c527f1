namespace ServiceAnalytics.Storage.Bi;

/// <summary>
/// One token of a canonical statement as the engine's own lexer (<c>tokenizeQuery</c>) cut it: its text and its
/// type (<c>BareWord</c>, <c>QuotedIdentifier</c>, <c>OpeningRoundBracket</c>…). Whitespace and comments are left
/// out. The guard reads tokens only where <c>EXPLAIN AST</c> drops a name (a CTE's) or a clause (SHOW's FORMAT).
/// </summary>
public sealed record BiSqlToken(string Text, string Type)
{
    public bool IsName => Type is "BareWord" or "QuotedIdentifier";

    public bool IsWord(string word) => Type == "BareWord" && string.Equals(Text, word, StringComparison.OrdinalIgnoreCase);

    /// <summary>The identifier this token names, with a quoted identifier's quotes and escapes removed.</summary>
    public string Name()
    {
        if (Type != "QuotedIdentifier" || Text.Length < 2)
        {
            return Text;
        }

        var quote = Text[0];
        var inner = Text[1..^1];
        var builder = new System.Text.StringBuilder(inner.Length);
        for (var i = 0; i < inner.Length; i++)
        {
            if (inner[i] == '\\' && i + 1 < inner.Length)
            {
                i++;
            }
            else if (inner[i] == quote && i + 1 < inner.Length && inner[i + 1] == quote)
            {
                i++;
            }

            builder.Append(inner[i]);
        }

        return builder.ToString();
    }

    /// <summary>
    /// The names declared by <c>name AS (</c> in a canonical statement, in text order: every CTE and every named
    /// window (<c>WINDOW w AS (…)</c>) is printed so by <c>formatQuery</c>, and nothing else is.
    /// </summary>
    public static IReadOnlyList<string> DeclaredNames(IReadOnlyList<BiSqlToken> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var names = new List<string>();
        for (var i = 0; i + 2 < tokens.Count; i++)
        {
            if (tokens[i].IsName && tokens[i + 1].IsWord("AS") && tokens[i + 2].Type == "OpeningRoundBracket")
            {
                names.Add(tokens[i].Name());
            }
        }

        return names;
    }
}
