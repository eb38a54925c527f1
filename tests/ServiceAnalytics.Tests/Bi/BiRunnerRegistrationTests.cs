using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Storage.Bi;

namespace ServiceAnalytics.Tests.Bi;

/// <summary>The storage registration provides a working <see cref="BiQueryRunner"/> configured from the <c>BiSql</c> section.</summary>
public sealed class BiRunnerRegistrationTests
{
    [Fact]
    public async Task The_runner_resolves_from_the_storage_registration_with_its_configured_pool()
    {
        await using var database = await TestDatabase.CreateAsync(ClickHouseLane.Embedded, "bi registration");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ClickHouse:Database"] = database.Name,
            ["ClickHouse:Embedded:DataPath"] = TestEnvironment.EmbeddedDataPath,
            ["BiSql:MaxConnections"] = "3",
        }).Build();
        await using var provider = new ServiceCollection().AddLogging().AddClickHouseStorage(configuration).BuildServiceProvider();

        Assert.Equal(3, provider.GetRequiredService<BiSqlClient>().Pool!.MaxConnections);
        var runner = provider.GetRequiredService<BiQueryRunner>();
        await using var result = await runner.RunAsync(new BiCaller("registration", null), BiRunnerFixture.Query("SELECT currentDatabase()"), CancellationToken.None);
        using var reader = new StreamReader(result.Body);
        Assert.Equal(database.Name + "\n", await reader.ReadToEndAsync());
        Assert.Equal("TabSeparated", result.Format);
    }

    [Fact]
    public void A_bad_BiSql_section_is_named_when_options_are_validated()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["BiSql:MaxConnections"] = "0" }).Build();
        using var provider = new ServiceCollection().AddLogging().AddClickHouseStorage(configuration).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<BiSqlOptions>>().Value);
        Assert.Contains("BiSql:MaxConnections must be 1 to 64, got 0.", error.Failures);
    }
}
