using ServiceAnalytics.Storage.Bi;

namespace ServiceAnalytics.UnitTests.Bi;

public sealed class ClickHouseAstTests
{
    [Fact]
    public void A_recorded_dump_reads_into_its_tree_with_kinds_arguments_and_aliases()
    {
        var root = ClickHouseAst.Parse(RecordedDumps.SelectWithSettingsAndFormat);

        Assert.Equal("SelectWithUnionQuery", root.Kind);
        Assert.Equal(["ExpressionList", "Identifier"], root.Children.Select(child => child.Kind));
        Assert.Equal("JSON", root.Children[1].Argument);
        var select = root.Children[0].Children[0];
        Assert.Equal(["ExpressionList", "TablesInSelectQuery", "Function", "Set"], select.Children.Select(child => child.Kind));
        var table = select.DescendantsAndSelf().Single(node => node.Kind == "TableIdentifier");
        Assert.Equal("d.bi_v", table.Argument);
        Assert.Equal("v", table.Alias);
        Assert.Equal("in", select.Children[2].Argument);
        Assert.Equal(20, root.DescendantsAndSelf().Count());
    }

    [Fact]
    public void Literals_keep_their_text_even_when_it_looks_like_a_marker()
    {
        var root = ClickHouseAst.Parse("""
            ExpressionList (children 2)
             Literal 'a (alias b)'
             Literal 'c (children 3)' (alias d)
            """);

        Assert.Equal("'a (alias b)'", root.Children[0].Argument);
        Assert.Null(root.Children[0].Alias);
        Assert.Equal("'c (children 3)'", root.Children[1].Argument);
        Assert.Equal("d", root.Children[1].Alias);
    }

    [Fact]
    public void Names_with_line_breaks_break_the_dump_and_are_refused()
    {
        // Recorded: SELECT `we\nird` FROM bi_chats AS `x\n      TableIdentifier y` (the engine prints names raw).
        const string Dump = """
            SelectWithUnionQuery (children 1)
             ExpressionList (children 1)
              SelectQuery (children 2)
               ExpressionList (children 1)
                Identifier we
            ird
               TablesInSelectQuery (children 1)
                TablesInSelectQueryElement (children 1)
                 TableExpression (children 1)
                  TableIdentifier bi_chats (alias x
                  TableIdentifier y)
            """;

        Assert.Throws<FormatException>(() => ClickHouseAst.Parse(Dump));
        Assert.Throws<FormatException>(() => ClickHouseAst.Parse(Dump.Replace("we\nird", "weird", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("SelectQuery (children 1)\n  Identifier a")]
    [InlineData("SelectQuery (children 2)\n Identifier a")]
    [InlineData("SelectQuery (children 1)\n Identifier a\n Identifier b")]
    [InlineData("Identifier a\nIdentifier b")]
    [InlineData("")]
    public void A_dump_whose_shape_does_not_add_up_is_refused(string dump) =>
        Assert.Throws<FormatException>(() => ClickHouseAst.Parse(dump));
}
