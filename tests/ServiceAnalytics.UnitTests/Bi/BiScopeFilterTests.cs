using ServiceAnalytics.Storage.Bi;

namespace ServiceAnalytics.UnitTests.Bi;

public sealed class BiScopeFilterTests
{
    [Theory]
    [InlineData("shop-1", "'shop-1'")]
    [InlineData("o'brien", @"'o\'brien'")]
    [InlineData(@"back\slash", @"'back\\slash'")]
    [InlineData(@"\'", @"'\\\''")]
    [InlineData("line\nbreak\r\ttab", @"'line\nbreak\r\ttab'")]
    [InlineData("nul\0bell\u0007del\u007f", @"'nul\0bell\x07del\x7F'")]
    [InlineData("ünï €", "'ünï €'")]
    public void Shop_ids_are_quoted_as_one_closed_string_literal(string id, string literal) =>
        Assert.Equal(literal, BiScope.Quote(id));

    [Fact]
    public void A_quoted_hostile_id_never_ends_its_literal_early()
    {
        const string Hostile = "a', 'b') OR 1 OR shop_id IN ('";
        var literal = BiScope.Quote(Hostile);

        // Inside the literal every quote is escaped: the only unescaped quotes are the first and the last character.
        var unescapedQuotes = Enumerable.Range(0, literal.Length).Where(i => literal[i] == '\'' && !IsEscaped(literal, i)).ToList();
        Assert.Equal([0, literal.Length - 1], unescapedQuotes);
    }

    [Fact]
    public void A_shop_caller_is_scoped_in_every_view_and_source_table_and_every_other_service_table_reads_nothing()
    {
        var filters = BiScope.Filters(
            "svc", ["settled_chats", "settled_chats_local", "secret", "secret_local", "rollup_runs", "rollup_runs_local"], new HashSet<string> { "b", "a" });

        foreach (var table in BiViews.Names.Concat(BiViews.SourceTables))
        {
            Assert.Contains($"'svc.{table}': 'shop_id IN (\\'a\\', \\'b\\')'", filters, StringComparison.Ordinal);
        }

        Assert.Contains("'svc.settled_chats_local': 'shop_id IN (\\'a\\', \\'b\\')'", filters, StringComparison.Ordinal);
        Assert.Contains("'svc.secret': '0'", filters, StringComparison.Ordinal);
        Assert.Contains("'svc.secret_local': '0'", filters, StringComparison.Ordinal);
        Assert.DoesNotContain("rollup_runs", filters, StringComparison.Ordinal);
        Assert.Contains("'system.tables': 'database = \\'svc\\' AND name IN (", filters, StringComparison.Ordinal);
        Assert.Contains("'system.databases': 'name = \\'svc\\''", filters, StringComparison.Ordinal);
    }

    [Fact]
    public void A_platform_caller_reads_every_shop_and_a_caller_without_shops_none()
    {
        Assert.Contains("'svc.bi_chats': '1'", BiScope.Filters("svc", [], null), StringComparison.Ordinal);
        Assert.Contains("'svc.bi_chats': '0'", BiScope.Filters("svc", [], new HashSet<string>()), StringComparison.Ordinal);
    }

    [Fact]
    public void A_caller_of_one_shop_is_filtered_by_equality()
    {
        var filters = BiScope.Filters("svc", ["settled_chats"], new HashSet<string> { "a" });

        Assert.Contains(@"'svc.settled_chats': 'shop_id = \'a\''", filters, StringComparison.Ordinal);
        Assert.Contains(@"'svc.bi_chats': 'shop_id = \'a\''", filters, StringComparison.Ordinal);
        Assert.DoesNotContain("shop_id IN", filters, StringComparison.Ordinal);
    }

    private static bool IsEscaped(string text, int index)
    {
        var backslashes = 0;
        for (var i = index - 1; i >= 0 && text[i] == '\\'; i--)
        {
            backslashes++;
        }

        return backslashes % 2 == 1;
    }
}
