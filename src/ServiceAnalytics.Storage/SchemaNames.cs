using System.Text.RegularExpressions;

namespace ServiceAnalytics.Storage;

/// <summary>Names that reach SQL as identifiers (never as values): checked against a strict pattern, then quoted.</summary>
public static partial class SchemaNames
{
    /// <summary>Returns <paramref name="name"/> if it is a plain identifier, or throws naming the setting it came from.</summary>
    public static string CheckIdentifier(string? name, string source)
    {
        if (!IsIdentifier(name))
        {
            throw new ArgumentException($"{source} {IdentifierRule}, got '{name}'.", nameof(name));
        }

        return name;
    }

    /// <summary>What a plain identifier is, as the errors say it.</summary>
    public const string IdentifierRule = "must be a plain identifier (letters, digits, underscore; not starting with a digit; at most 64 characters)";

    /// <summary>Whether <paramref name="name"/> is a plain identifier.</summary>
    public static bool IsIdentifier([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? name) => name is not null && Identifier().IsMatch(name);

    /// <summary>Backquoted identifier; only called with names that passed <see cref="CheckIdentifier"/>.</summary>
    public static string Quote(string name) => "`" + name + "`";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
    private static partial Regex Identifier();
}
