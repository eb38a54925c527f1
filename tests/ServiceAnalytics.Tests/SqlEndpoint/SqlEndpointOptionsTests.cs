using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Server.SqlEndpoint;

namespace ServiceAnalytics.Tests.SqlEndpoint;

/// <summary>The SQL endpoint's settings: their checks at start, where it is served, and the transport rule.</summary>
public sealed class SqlEndpointOptionsTests
{
    [Fact]
    public void The_defaults_pass_and_listen_on_loopback_port_5312()
    {
        var options = new SqlEndpointOptions();
        Assert.True(new SqlEndpointOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal((false, IPAddress.Loopback, false, 5312), SqlEndpointOptions.Parse(options.Url));
    }

    public static TheoryData<string, string?, string> BadSettings => new()
    {
        { "Url", "http://127.0.0.1", "SqlEndpoint:Url must be http:// or https://" },
        { "Url", "tcp://127.0.0.1:5312", "SqlEndpoint:Url must be http:// or https://" },
        { "Url", "http://bi.example.com:5312", "SqlEndpoint:Url must be http:// or https://" },
        { "Url", "http://127.0.0.1:5312/sql", "SqlEndpoint:Url must be http:// or https://" },
        { "Url", "http://localhost:0", "SqlEndpoint:Url cannot take a dynamic port (0) on localhost" },
        { "Url", "https://0.0.0.0:5312", "SqlEndpoint:CertificatePath must name the certificate of an https Url." },
        { "MaxConcurrentQueries", "0", "SqlEndpoint:MaxConcurrentQueries must be 1 to 1024, got 0." },
        { "MaxQueryBytes", "1023", "SqlEndpoint:MaxQueryBytes must be 1024 to 16777216, got 1023." },
        { "MaxRequestBodyBytes", "16777217", "SqlEndpoint:MaxRequestBodyBytes must be 1024 to 16777216, got 16777217." },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void A_bad_setting_is_named_with_its_range(string key, string? value, string expected)
    {
        var options = Bind(new Dictionary<string, string?> { [$"SqlEndpoint:{key}"] = value })
            .GetSection(SqlEndpointOptions.SectionName).Get<SqlEndpointOptions>()!;
        var result = new SqlEndpointOptionsValidator().Validate(null, options);
        Assert.False(result.Succeeded);
        Assert.Contains(result.Failures!, failure => failure.StartsWith(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, null, "http://127.0.0.1:5312")]
    [InlineData(null, "http://clickhouse:8123", null)]
    [InlineData("true", "http://clickhouse:8123", "http://127.0.0.1:5312")]
    [InlineData("false", null, null)]
    public void It_is_served_on_the_embedded_engine_and_on_a_server_only_when_enabled(string? enabled, string? serverUrl, string? served)
    {
        var configuration = Bind(new Dictionary<string, string?> { ["SqlEndpoint:Enabled"] = enabled, ["ClickHouse:ServerUrl"] = serverUrl });
        Assert.Equal(served, SqlEndpointHosting.ServedUrl(configuration));
    }

    [Fact]
    public async Task A_plaintext_sql_endpoint_beyond_loopback_refuses_to_start()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ServiceHost.StartAsync(new Dictionary<string, string?>
        {
            ["SqlEndpoint:Url"] = "http://0.0.0.0:0",
        }));

        Assert.Contains("http://0.0.0.0:0", error.Message, StringComparison.Ordinal);
        Assert.Contains("AllowPlaintextOnNetwork", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_disabled_endpoint_listens_nowhere()
    {
        await using var host = await ServiceHost.StartAsync(new Dictionary<string, string?> { ["SqlEndpoint:Enabled"] = "false" });
        var endpoints = host.App.Services.GetRequiredService<ServiceAnalytics.Server.Hosting.ServiceEndpoints>();
        Assert.Empty(endpoints.Sql(host.App.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()));
        Assert.Null(host.App.Services.GetService<SqlEndpointHandler>());
    }

    private static IConfiguration Bind(Dictionary<string, string?> settings) => new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
}
