using Microsoft.Extensions.Options;
using ServiceAnalytics.Server.Demo;
using ServiceAnalytics.Server.Ingestion;
using ServiceAnalytics.Server.Rollups;
using ServiceAnalytics.Server.Security;
using ServiceAnalytics.Server.Services;
using ServiceAnalytics.Storage;
using ServiceAnalytics.Storage.Rollups;

namespace ServiceAnalytics.UnitTests.Server;

public sealed class OptionsValidatorTests
{
    [Fact]
    public void The_defaults_pass()
    {
        Assert.True(new IngestionOptionsValidator().Validate(null, new IngestionOptions()).Succeeded);
        Assert.True(new QueryOptionsValidator().Validate(null, new QueryOptions()).Succeeded);
        Assert.True(new SecurityOptionsValidator().Validate(null, new SecurityOptions()).Succeeded);
        Assert.True(new DemoShopOptionsValidator().Validate(null, new DemoShopOptions()).Succeeded);
        Assert.True(new ClickHouseOptionsValidator().Validate(null, new ClickHouseOptions()).Succeeded);
        Assert.True(new RollupOptionsValidator().Validate(null, new RollupOptions()).Succeeded);
        Assert.True(new RollupScheduleValidator().Validate(null, new RollupOptions()).Succeeded);
    }

    public static TheoryData<string, string> BadSettings => new()
    {
        { "Ingestion:StreamWindowBatches", "Ingestion:StreamWindowBatches must be 1 to 1000, got 0." },
        { "Ingestion:Writers", "Ingestion:Writers must be 1 to 64, got 0." },
        { "Ingestion:MaxFactAge", "Ingestion:MaxFactAge must be 1.00:00:00 to 3650.00:00:00, got -1.00:00:00." },
        { "Query:PageTokenKey", "Query:PageTokenKey must be unset, or base64 of at least 32 bytes." },
        { "Query:MaxConcurrentQueries", "Query:MaxConcurrentQueries must be 1 to 1024, got 0." },
        { "Query:MaxQueuedQueries", "Query:MaxQueuedQueries must be 0 to 100000, got -1." },
        { "Query:QueryQueueWait", "Query:QueryQueueWait must be 00:00:00 to 00:05:00, got -00:00:01." },
        { "Security:RequestsPerSecond", "Security:RequestsPerSecond must be 1 to 1000000, got 0." },
        { "Security:Jwt:SigningKeys", "Security:Jwt:SigningKeys must list at least one key when Security:Jwt:Issuer is set." },
        { "Security:Jwt:SigningKeys:0", "Security:Jwt:SigningKeys:0 must be base64 of at least 32 bytes." },
        { "Demo:ChatsPerDay", "Demo:ChatsPerDay must be 1 to 5000, got 5001." },
        { "Demo:ShopId", "Demo:ShopId must be 1 to 64 printable characters." },
        { "ClickHouse:ServerUrl", "ClickHouse:ServerUrl must be unset (the embedded engine) or an http or https URL." },
        { "ClickHouse:Database", "ClickHouse:Database must be a plain identifier (letters, digits, underscore; not starting with a digit; at most 64 characters)." },
        { "ClickHouse:Embedded:MaxConnections", "ClickHouse:Embedded:MaxConnections must be 1 to 64, got 0." },
        { "Rollups:LateFactWindowDays", "Rollups:LateFactWindowDays must be 2 to 60, got 1." },
        { "Rollups:ChatsPerStatement", "Rollups:ChatsPerStatement must be 1 to 10000000, got 0." },
        { "Rollups:SnapshotMaxAge", "Rollups:SnapshotMaxAge must be 00:00:00 to 1.00:00:00, got -00:00:01." },
        { "Rollups:ScheduleTimeZone", "Rollups:ScheduleTimeZone must be a known time zone (an IANA id such as UTC or Europe/Vienna), got 'Nowhere/Else'." },
        { "Rollups:Schedule", "Rollups:Schedule must be a Quartz cron expression (seconds first, e.g. 0 0/15 * * * ?), got 'every day'." },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void A_bad_value_fails_naming_the_setting_and_its_range(string setting, string failure)
    {
        var result = setting switch
        {
            "Ingestion:StreamWindowBatches" => new IngestionOptionsValidator().Validate(null, new IngestionOptions { StreamWindowBatches = 0 }),
            "Ingestion:Writers" => new IngestionOptionsValidator().Validate(null, new IngestionOptions { Writers = 0 }),
            "Ingestion:MaxFactAge" => new IngestionOptionsValidator().Validate(null, new IngestionOptions { MaxFactAge = TimeSpan.FromDays(-1) }),
            "Query:PageTokenKey" => new QueryOptionsValidator().Validate(null, new QueryOptions { PageTokenKey = Convert.ToBase64String(new byte[16]) }),
            "Query:MaxConcurrentQueries" => new QueryOptionsValidator().Validate(null, new QueryOptions { MaxConcurrentQueries = 0 }),
            "Query:MaxQueuedQueries" => new QueryOptionsValidator().Validate(null, new QueryOptions { MaxQueuedQueries = -1 }),
            "Query:QueryQueueWait" => new QueryOptionsValidator().Validate(null, new QueryOptions { QueryQueueWait = TimeSpan.FromSeconds(-1) }),
            "Security:RequestsPerSecond" => new SecurityOptionsValidator().Validate(null, new SecurityOptions { RequestsPerSecond = 0 }),
            "Security:Jwt:SigningKeys" => new SecurityOptionsValidator().Validate(null, new SecurityOptions { Jwt = { Issuer = "issuer" } }),
            "Security:Jwt:SigningKeys:0" => new SecurityOptionsValidator().Validate(null, new SecurityOptions { Jwt = { SigningKeys = { "not base64" } } }),
            "Demo:ChatsPerDay" => new DemoShopOptionsValidator().Validate(null, new DemoShopOptions { ChatsPerDay = 5_001 }),
            "Demo:ShopId" => new DemoShopOptionsValidator().Validate(null, new DemoShopOptions { ShopId = "" }),
            "ClickHouse:ServerUrl" => new ClickHouseOptionsValidator().Validate(null, new ClickHouseOptions { ServerUrl = "localhost:8123" }),
            "ClickHouse:Database" => new ClickHouseOptionsValidator().Validate(null, new ClickHouseOptions { Database = "service-analytics" }),
            "ClickHouse:Embedded:MaxConnections" => new ClickHouseOptionsValidator().Validate(null, new ClickHouseOptions { Embedded = { MaxConnections = 0 } }),
            "Rollups:LateFactWindowDays" => new RollupOptionsValidator().Validate(null, new RollupOptions { LateFactWindowDays = 1 }),
            "Rollups:ChatsPerStatement" => new RollupOptionsValidator().Validate(null, new RollupOptions { ChatsPerStatement = 0 }),
            "Rollups:SnapshotMaxAge" => new RollupOptionsValidator().Validate(null, new RollupOptions { SnapshotMaxAge = TimeSpan.FromSeconds(-1) }),
            "Rollups:ScheduleTimeZone" => new RollupOptionsValidator().Validate(null, new RollupOptions { ScheduleTimeZone = "Nowhere/Else" }),
            "Rollups:Schedule" => new RollupScheduleValidator().Validate(null, new RollupOptions { Schedule = "every day" }),
            _ => throw new ArgumentOutOfRangeException(nameof(setting)),
        };

        Assert.True(result.Failed);
        Assert.Equal([failure], result.Failures);
    }

    [Fact]
    public void Every_bad_value_is_reported_at_once()
    {
        var result = new IngestionOptionsValidator().Validate(null, new IngestionOptions { Writers = 0, FlushRows = 0 });

        Assert.Equal(2, result.Failures!.Count());
        Assert.StartsWith("Ingestion:Writers", result.FailureMessage, StringComparison.Ordinal);
    }
}
