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

    [Theory]
    [InlineData("SelectQuery (children 1)\n  Identifier a")]
    [InlineData("SelectQuery (children 2)\n Identifier a")]
    [InlineData("SelectQuery (children 1)\n Identifier a\n Identifier b")]
    [InlineData("Identifier a\nIdentifier b")]
    [InlineData("")]
    public void A_dump_whose_shape_does_not_add_up_is_refused(string dump) =>
        Assert.Throws<FormatException>(() => ClickHouseAst.Parse(dump));
}
