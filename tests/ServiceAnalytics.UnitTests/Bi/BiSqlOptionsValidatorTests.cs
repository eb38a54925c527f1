using ServiceAnalytics.Storage.Bi;

namespace ServiceAnalytics.UnitTests.Bi;

public sealed class BiSqlOptionsValidatorTests
{
    [Fact]
    public void The_defaults_are_valid() =>
        Assert.True(new BiSqlOptionsValidator().Validate(null, new BiSqlOptions()).Succeeded);

    [Fact]
    public void Out_of_range_settings_are_each_named()
    {
        var result = new BiSqlOptionsValidator().Validate(null, new BiSqlOptions
        {
            MaxConnections = 0,
            MaxExecutionTime = TimeSpan.FromMilliseconds(1500),
            MaxResultRows = 0,
            MaxResultBytes = 1,
            MaxMemoryUsage = 1,
            ServerUsername = "",
        });

        Assert.Equal(
            ["BiSql:MaxConnections", "BiSql:MaxExecutionTime", "BiSql:MaxResultRows", "BiSql:MaxResultBytes", "BiSql:MaxMemoryUsage", "BiSql:ServerUsername"],
            result.Failures!.Select(failure => failure.Split(' ')[0]));
    }
}
