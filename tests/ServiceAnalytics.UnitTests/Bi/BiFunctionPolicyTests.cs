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
}
