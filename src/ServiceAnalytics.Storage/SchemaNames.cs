using System.Text.RegularExpressions;

namespace ServiceAnalytics.Storage;

/// <summary>Names that reach SQL as identifiers (never as values): checked against a strict pattern, then quoted.</summary>
public static partial class SchemaNames
{
    /// <summary>Returns <paramref name="name"/> if it is a plain identifier, or throws naming the setting it came from.</summary>
    public static string CheckIdentifier(string? name, string source)
    {
        if (name is null || !Identifier().IsMatch(name))
        {
            throw new ArgumentException(
                $"{source} must be a plain identifier (letters, digits, underscore; not starting with a digit; at most 64 characters), got '{name}'.",
                nameof(name));
        }

        return name;
    }

    /// <summary>Backquoted identifier; only called with names that passed <see cref="CheckIdentifier"/>.</summary>
    public static string Quote(string name) => "`" + name + "`";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
    private static partial Regex Identifier();
}
