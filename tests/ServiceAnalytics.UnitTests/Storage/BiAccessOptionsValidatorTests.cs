using ServiceAnalytics.Storage;

namespace ServiceAnalytics.UnitTests.Storage;

/// <summary>The refusals of <see cref="BiAccessOptionsValidator"/>, each naming the setting (<c>ClickHouse:BiAccess:…</c>).</summary>
public sealed class BiAccessOptionsValidatorTests
{
    private static ClickHouseOptions OnServer(Action<BiAccessOptions> configure)
    {
        var options = new ClickHouseOptions { ServerUrl = "http://clickhouse:8123" };
        configure(options.BiAccess);
        return options;
    }

    [Fact]
    public void The_defaults_pass_on_the_embedded_engine_and_on_a_server_enabled_or_not()
    {
        Assert.True(new BiAccessOptionsValidator().Validate(null, new ClickHouseOptions()).Succeeded);
        Assert.True(new BiAccessOptionsValidator().Validate(null, OnServer(_ => { })).Succeeded);
        Assert.True(new BiAccessOptionsValidator().Validate(null, OnServer(a => a.Enabled = true)).Succeeded);
    }

    [Fact]
    public void Enabling_it_on_the_embedded_engine_is_refused_saying_why_and_what_to_use_instead()
    {
        var options = new ClickHouseOptions { BiAccess = { Enabled = true } };

        var result = new BiAccessOptionsValidator().Validate(null, options);

        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith("ClickHouse:BiAccess:Enabled must be false on the embedded engine: chDB has no access management", failure, StringComparison.Ordinal);
        Assert.Contains("API keys of scope bi", failure, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadSettings => new()
    {
        { "ReaderRole", "ClickHouse:BiAccess:ReaderRole must be a plain identifier (letters, digits, underscore; not starting with a digit; at most 64 characters)." },
        { "AnalystRole", "ClickHouse:BiAccess:AnalystRole must be a plain identifier (letters, digits, underscore; not starting with a digit; at most 64 characters)." },
        { "AnalystRole=ReaderRole", "ClickHouse:BiAccess:AnalystRole must differ from BiAccess:ReaderRole." },
        { "Profile", "ClickHouse:BiAccess:Profile must be a plain identifier (letters, digits, underscore; not starting with a digit; at most 64 characters)." },
        { "NoShopsPolicy", "ClickHouse:BiAccess:NoShopsPolicy must be a plain identifier (letters, digits, underscore; not starting with a digit; at most 64 characters)." },
        { "AllShopsPolicy=NoShopsPolicy", "ClickHouse:BiAccess:AllShopsPolicy must differ from BiAccess:NoShopsPolicy." },
        { "AllShopsPolicy", "ClickHouse:BiAccess:AllShopsPolicy must be a plain identifier (letters, digits, underscore; not starting with a digit; at most 64 characters)." },
        { "MaxExecutionTime", "ClickHouse:BiAccess:MaxExecutionTime must be 00:00:01 to 01:00:00, got 02:00:00." },
        { "MaxExecutionTime fraction", "ClickHouse:BiAccess:MaxExecutionTime must be whole seconds." },
        { "MaxResultRows", "ClickHouse:BiAccess:MaxResultRows must be 1 to 1000000000, got 0." },
        { "MaxResultBytes", "ClickHouse:BiAccess:MaxResultBytes must be 1048576 to 17179869184, got 1000." },
        { "MaxMemoryUsage", "ClickHouse:BiAccess:MaxMemoryUsage must be 67108864 to 68719476736, got 137438953472." },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void A_bad_value_fails_naming_the_setting_and_its_range(string setting, string failure)
    {
        var options = OnServer(a =>
        {
            a.Enabled = true;
            switch (setting)
            {
                case "ReaderRole": a.ReaderRole = "bi-reader"; break;
                case "AnalystRole": a.AnalystRole = ""; break;
                case "AnalystRole=ReaderRole": a.AnalystRole = a.ReaderRole; break;
                case "Profile": a.Profile = "p;"; break;
                case "NoShopsPolicy": a.NoShopsPolicy = "no shops"; break;
                case "AllShopsPolicy=NoShopsPolicy": a.AllShopsPolicy = a.NoShopsPolicy; break;
                case "AllShopsPolicy": a.AllShopsPolicy = "1policy"; break;
                case "MaxExecutionTime": a.MaxExecutionTime = TimeSpan.FromHours(2); break;
                case "MaxExecutionTime fraction": a.MaxExecutionTime = TimeSpan.FromMilliseconds(1500); break;
                case "MaxResultRows": a.MaxResultRows = 0; break;
                case "MaxResultBytes": a.MaxResultBytes = 1000; break;
                case "MaxMemoryUsage": a.MaxMemoryUsage = 128L << 30; break;
                default: throw new ArgumentOutOfRangeException(nameof(setting));
            }
        });

        var result = new BiAccessOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Equal([failure], result.Failures);
    }
}
