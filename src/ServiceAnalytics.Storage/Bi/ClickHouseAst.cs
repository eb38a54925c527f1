using System.Globalization;

namespace ServiceAnalytics.Storage.Bi;

/// <summary>
/// One node of the tree ClickHouse's <c>EXPLAIN AST</c> prints: one node per line, indented by one space per
/// level, as <c>Kind argument (alias a) (children n)</c>, e.g. <c>Function file (alias f) (children 1)</c>,
/// <c>TableIdentifier db.bi_chats</c>, <c>Literal 'x'</c>, <c>Set</c>. The engine parsed the statement; this class
/// only reads the engine's answer back into a tree, and refuses a dump whose shape does not add up (a line
/// indented more than one level below its parent, or a node whose stated child count differs from the lines
/// under it), so a dump that is not exactly what the engine would print for one statement is never judged.
/// </summary>
public sealed class ClickHouseAst
{
    private const string ChildrenMarker = " (children ";
    private const string AliasMarker = " (alias ";

    private readonly List<ClickHouseAst> _children = [];

    private ClickHouseAst(string kind, string argument, string? alias, int statedChildren)
    {
        Kind = kind;
        Argument = argument;
        Alias = alias;
        StatedChildren = statedChildren;
    }

    /// <summary>The node's kind: <c>SelectQuery</c>, <c>Function</c>, <c>TableIdentifier</c>…</summary>
    public string Kind { get; }

    /// <summary>What follows the kind: a function's or table's name, a literal's text; empty when nothing.</summary>
    public string Argument { get; }

    /// <summary>The node's alias, or null.</summary>
    public string? Alias { get; }

    public IReadOnlyList<ClickHouseAst> Children => _children;

    private int StatedChildren { get; }

    /// <summary>Reads a whole <c>EXPLAIN AST</c> answer (one statement) into its root node.</summary>
    /// <exception cref="FormatException">The text is not one well-formed tree.</exception>
    public static ClickHouseAst Parse(string dump)
    {
        ArgumentNullException.ThrowIfNull(dump);
        var lines = dump.Split('\n').Select(line => line.TrimEnd('\r')).Where(line => line.Length > 0).ToList();
        if (lines.Count == 0)
        {
            throw new FormatException("EXPLAIN AST gave no tree.");
        }

        var path = new List<ClickHouseAst>();
        ClickHouseAst? root = null;
        foreach (var line in lines)
        {
            var depth = line.Length - line.TrimStart(' ').Length;
            var node = ParseLine(line[depth..]);
            if (depth == 0)
            {
                if (root is not null)
                {
                    throw new FormatException("EXPLAIN AST gave more than one tree.");
                }

                root = node;
            }
            else
            {
                if (depth > path.Count)
                {
                    throw new FormatException($"EXPLAIN AST line indented past its parent: '{line}'.");
                }

                path[depth - 1]._children.Add(node);
            }

            path.RemoveRange(depth, path.Count - depth);
            path.Add(node);
        }

        root!.CheckChildCounts();
        return root;
    }

    /// <summary>Every node of the tree below and including this one, parents before children.</summary>
    public IEnumerable<ClickHouseAst> DescendantsAndSelf()
    {
        yield return this;
        foreach (var node in _children.SelectMany(child => child.DescendantsAndSelf()))
        {
            yield return node;
        }
    }

    public override string ToString() => Argument.Length == 0 ? Kind : $"{Kind} {Argument}";

    private static ClickHouseAst ParseLine(string text)
    {
        var children = 0;
        if (text.EndsWith(')') && text.LastIndexOf(ChildrenMarker, StringComparison.Ordinal) is var at and >= 0
            && int.TryParse(text.AsSpan(at + ChildrenMarker.Length, text.Length - at - ChildrenMarker.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out children))
        {
            text = text[..at];
        }

        string? alias = null;
        if (text.EndsWith(')') && text.LastIndexOf(AliasMarker, StringComparison.Ordinal) is var aliasAt and >= 0)
        {
            alias = text[(aliasAt + AliasMarker.Length)..^1];
            text = text[..aliasAt];
        }

        var space = text.IndexOf(' ', StringComparison.Ordinal);
        return space < 0
            ? new ClickHouseAst(text, "", alias, children)
            : new ClickHouseAst(text[..space], text[(space + 1)..].Trim(' '), alias, children);
    }

    private void CheckChildCounts()
    {
        if (StatedChildren != _children.Count)
        {
            throw new FormatException($"EXPLAIN AST node '{this}' states {StatedChildren} children but has {_children.Count}.");
        }

        foreach (var child in _children)
        {
            child.CheckChildCounts();
        }
    }
}
