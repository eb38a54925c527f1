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
    public async Task An_https_endpoint_serves_with_its_certificate()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(
            "CN=127.0.0.1", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        var names = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var path = Path.Combine(Path.GetTempPath(), $"sql-endpoint-{Guid.NewGuid():N}.pfx");
        await File.WriteAllBytesAsync(path, certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, "test-password"));
        try
        {
            await using var host = await ServiceHost.StartReadyAsync(SqlEndpointFixture.Settings(new Dictionary<string, string?>
            {
                ["SqlEndpoint:Url"] = "https://127.0.0.1:0",
                ["SqlEndpoint:CertificatePath"] = path,
                ["SqlEndpoint:CertificatePassword"] = "test-password",
            }));
            var address = host.App.Services.GetRequiredService<ServiceAnalytics.Server.Hosting.ServiceEndpoints>()
                .Sql(host.App.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()).Single();
            Assert.Equal(Uri.UriSchemeHttps, address.Scheme);
            string? presented = null;
            using var client = new HttpClient(new SocketsHttpHandler
            {
                SslOptions = { RemoteCertificateValidationCallback = (_, presentedCertificate, _, _) =>
                {
                    presented = presentedCertificate?.GetCertHashString();
                    return presented == certificate.GetCertHashString();
                } },
            }) { BaseAddress = address };
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"bi-all:{SqlEndpointFixture.Key("bi-all")}")));

            using var answer = await client.PostAsync(new Uri("/?default_format=TSV", UriKind.Relative), new StringContent("SELECT 41 + 1"));
            Assert.Equal("42\n", await answer.Content.ReadAsStringAsync());
            Assert.Equal(certificate.GetCertHashString(), presented);
        }
        finally
        {
            File.Delete(path);
        }
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
