using ServiceAnalytics.Storage.Bi;

namespace ServiceAnalytics.UnitTests.Bi;

public sealed class BiFunctionPolicyTests
{
    [Fact]
    public void Denied_categories_names_and_their_aliases_are_refused_in_any_case()
    {
        var policy = BiFunctionPolicy.FromCatalog(
        [
            ("dictGetString", "", "Dictionary"),
            ("addressToLine", "", "Introspection"),
            ("FQDN", "", "Other"),
            ("fullHostName", "FQDN", ""),
            ("lower", "", "String"),
            ("lcase", "lower", ""),
            ("file", "", "Other"),
        ]);

        foreach (var name in new[] { "dictGetString", "DICTGETSTRING", "addressToLine", "fqdn", "fullHostName", "FILE", "joinGet" })
        {
            Assert.Equal(497, Assert.Throws<BiSqlException>(() => policy.Check(name)).Code);
        }

        policy.Check("lower");
        policy.Check("lcase");
        policy.Check("sleepEachRow");
    }

    [Fact]
    public void Internal_functions_the_parser_writes_are_allowed_and_the_rest_of_the_category_is_not()
    {
        var policy = BiFunctionPolicy.FromCatalog(
        [
            ("_CAST", "", "Internal"),
            ("caseWithExpression", "", "Internal"),
            ("__getScalar", "", "Internal"),
        ]);

        policy.Check("_CAST");
        policy.Check("caseWithExpression");
        Assert.Equal(497, Assert.Throws<BiSqlException>(() => policy.Check("__getScalar")).Code);
    }
}
