using ServiceAnalytics.Storage.Bi;

namespace ServiceAnalytics.UnitTests.Bi;

public sealed class BiStatementPolicyTests
{
    private static readonly BiStatementPolicy s_policy = new("svc", BiFunctionPolicy.FromCatalog([]));

    private static readonly IReadOnlyList<BiSqlToken> s_cteC = RecordedDumps.Tokens("WITH c AS ( SELECT 1 ) SELECT * FROM x");

    private static BiSqlException Refused(string dump, IReadOnlyList<BiSqlToken>? tokens = null) =>
        Assert.Throws<BiSqlException>(() => s_policy.Check(ClickHouseAst.Parse(dump), tokens ?? []));

    [Fact]
    public void A_select_of_a_BI_view_is_allowed_with_its_format()
    {
        Assert.Equal(new BiStatementShape(BiStatementKind.Select, "JSONEachRow"), s_policy.Check(ClickHouseAst.Parse(RecordedDumps.ReadWithFormat("svc.bi_chats", "JSONEachRow")), []));
        Assert.Equal(new BiStatementShape(BiStatementKind.Select, "CSV"), s_policy.Check(ClickHouseAst.Parse(RecordedDumps.ReadWithFormat("system.one", "CSV")), []));
    }

    [Theory]
    [InlineData("settled_chats")]
    [InlineData("svc.settled_chats")]
    [InlineData("other.bi_chats")]
    [InlineData("system.processes")]
    [InlineData("bi_chats_copy")]
    public void Tables_outside_the_views_are_denied(string table) =>
        Assert.Equal(497, Refused(RecordedDumps.ReadWithFormat(table, "JSON")).Code);

    [Theory]
    [InlineData("Template")]
    [InlineData("json")]
    [InlineData("Protobuf")]
    public void Formats_outside_the_allowlist_are_denied(string format) =>
        Assert.Equal(497, Refused(RecordedDumps.ReadWithFormat("bi_chats", format)).Code);

    [Fact]
    public void A_settings_clause_at_any_level_is_refused_as_read_only()
    {
        var error = Refused(RecordedDumps.SelectWithSettingsAndFormat);
        Assert.Equal((164, "READONLY"), (error.Code, error.CodeName));
        Assert.Equal(164, Refused("Set").Code);
    }

    [Fact]
    public void A_table_function_and_into_outfile_are_denied() =>
        Assert.Equal(497, Refused(RecordedDumps.FileIntoOutfile).Code);

    [Theory]
    [InlineData("file")]
    [InlineData("FILE")]
    [InlineData("joinGet")]
    [InlineData("hasColumnInTable")]
    [InlineData("getServerSetting")]
    public void Functions_that_reach_outside_are_denied_whatever_their_case(string function) =>
        Assert.Equal(497, Refused(RecordedDumps.CallFrom(function)).Code);

    [Fact]
    public void Harmless_functions_are_allowed() =>
        Assert.Equal(BiStatementKind.Select, s_policy.Check(ClickHouseAst.Parse(RecordedDumps.CallFrom("lower")), []).Kind);

    [Fact]
    public void An_unqualified_name_is_a_CTE_when_one_of_that_name_is_in_scope()
    {
        Assert.Equal(BiStatementKind.Select, s_policy.Check(ClickHouseAst.Parse(RecordedDumps.CteThenRead("c")), s_cteC).Kind);
        Assert.Equal(BiStatementKind.Select, s_policy.Check(ClickHouseAst.Parse(RecordedDumps.CteThenRead("bi_chats")), s_cteC).Kind);
        Assert.Equal(497, Refused(RecordedDumps.CteThenRead("d"), s_cteC).Code);
        Assert.Equal(497, Refused(RecordedDumps.CteThenRead("svc.c"), s_cteC).Code);
    }

    [Fact]
    public void A_CTE_of_an_inner_query_does_not_cover_the_outer_one()
    {
        // SELECT * FROM raw WHERE x IN (WITH raw AS (SELECT 1) SELECT * FROM raw)
        var dump = RecordedDumps.ReadWhereIn("raw", RecordedDumps.CteThenRead("raw"));
        var tokens = RecordedDumps.Tokens("SELECT * FROM raw WHERE x IN ( WITH raw AS ( SELECT 1 ) SELECT * FROM raw )");
        var error = Refused(dump, tokens);
        Assert.Contains("svc.raw", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_statement_whose_CTEs_cannot_be_matched_to_their_names_is_refused() =>
        Assert.Equal(497, Refused(RecordedDumps.CteThenRead("c"), RecordedDumps.Tokens("SELECT 1")).Code);

    [Fact]
    public void Show_tables_and_databases_are_allowed_other_shows_denied()
    {
        Assert.Equal(new BiStatementShape(BiStatementKind.Show, null), s_policy.Check(ClickHouseAst.Parse("ShowTables"), RecordedDumps.Tokens("SHOW TABLES")));
        Assert.Equal(new BiStatementShape(BiStatementKind.Show, "JSON"), s_policy.Check(ClickHouseAst.Parse("ShowTables (children 1)\n Identifier JSON"), RecordedDumps.Tokens("SHOW DATABASES FORMAT JSON")));
        Assert.Equal(497, Refused("ShowTables", RecordedDumps.Tokens("SHOW DICTIONARIES")).Code);
        Assert.Equal(497, Refused("ShowTables (children 1)\n Identifier Template", RecordedDumps.Tokens("SHOW TABLES FORMAT Template")).Code);
    }

    [Fact]
    public void Describe_is_allowed_for_a_BI_view_only()
    {
        const string Describe = "DescribeQuery (children 2)\n TableExpression (children 1)\n  TableIdentifier {0}\n Identifier JSON";
        Assert.Equal(new BiStatementShape(BiStatementKind.Describe, "JSON"), s_policy.Check(ClickHouseAst.Parse(string.Format(System.Globalization.CultureInfo.InvariantCulture, Describe, "svc.bi_chats")), []));
        Assert.Equal(497, Refused(string.Format(System.Globalization.CultureInfo.InvariantCulture, Describe, "settled_chats")).Code);
    }

    [Theory]
    [InlineData("InsertQuery   (children 1)\n Identifier t", 164)]
    [InlineData("AlterQuery  t (children 1)\n Identifier t", 164)]
    [InlineData("DropQuery  t (children 1)\n Identifier t", 164)]
    [InlineData("TruncateQuery  t (children 1)\n Identifier t", 164)]
    [InlineData("CreateQuery x (children 1)\n Identifier x", 164)]
    [InlineData("SYSTEM query", 164)]
    [InlineData("KillQueryQuery Literal_UInt64_1 ASYNC (children 1)\n Literal UInt64_1", 164)]
    [InlineData("OptimizeQuery  t (children 1)\n Identifier t", 164)]
    [InlineData("UseQuery d (children 1)\n Identifier d", 497)]
    [InlineData("ShowProcesslistQuery", 497)]
    [InlineData("Explain EXPLAIN", 497)]
    public void Other_statements_are_refused_with_the_code_a_read_only_server_gives(string dump, int code) =>
        Assert.Equal(code, Refused(dump).Code);
}
