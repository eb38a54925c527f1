using Grpc.Net.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using ServiceAnalytics.Server.Hosting;

namespace ServiceAnalytics.Tests.Infrastructure;

/// <summary>
/// The real service, started in the test process on a free loopback port over the test process's engine, with
/// a database of its own. Clients talk to it with Grpc.Net.Client over plaintext HTTP/2, as producers do.
/// </summary>
public sealed class ServiceHost : IAsyncDisposable
{
    private ServiceHost(WebApplication app, Uri address)
    {
        App = app;
        Address = address;
        Channel = GrpcChannel.ForAddress(address);
    }

    public WebApplication App { get; }

    public Uri Address { get; }

    public GrpcChannel Channel { get; }

    /// <summary>The service's ClickHouse database.</summary>
    public string Database => App.Configuration["ClickHouse:Database"]!;

    public static async Task<ServiceHost> StartAsync(IDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = "http://127.0.0.1:0",
            ["ClickHouse:Database"] = TestEnvironment.UniqueDatabaseName("service"),
            ["ClickHouse:Embedded:DataPath"] = TestEnvironment.EmbeddedDataPath,
            ["Logging:LogLevel:Default"] = "Warning",
            // Tests run rollups themselves (RollupTests); a scheduled one would settle days under other tests' feet.
            ["Rollups:Enabled"] = "false",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var app = ServiceAnalyticsApp.Build([], builder => builder.Configuration.AddInMemoryCollection(settings));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new ServiceHost(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
