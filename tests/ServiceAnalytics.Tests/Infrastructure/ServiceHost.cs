using Grpc.Net.Client;
using ServiceAnalytics.Server.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using ServiceAnalytics.Server.Hosting;

namespace ServiceAnalytics.Tests.Infrastructure;

/// <summary>
/// The real service, started in the test process on a free loopback port over the test process's engine, with
/// a database of its own. Clients talk to it with Grpc.Net.Client over plaintext HTTP/2, as producers do.
/// </summary>
public sealed class ServiceHost : IAsyncDisposable
{
    /// <summary>The key of every test host: every scope, every shop.</summary>
    public const string TestKey = "test-key-every-scope-every-shop";

    private ServiceHost(WebApplication app, Uri address, Uri webAddress)
    {
        App = app;
        Address = address;
        WebAddress = webAddress;
        Channel = CreateChannel(metadata => metadata.Add("x-api-key", TestKey));
    }

    public WebApplication App { get; }

    /// <summary>The gRPC endpoint (HTTP/2).</summary>
    public Uri Address { get; }

    /// <summary>The web endpoint (HTTP/1.1: JSON transcoding, gRPC-Web, OpenAPI).</summary>
    public Uri WebAddress { get; }

    public GrpcChannel Channel { get; }

    /// <summary>The service's own store, for tests that look at or break its tables.</summary>
    public ServiceAnalytics.Storage.ClickHouseStore Store => App.Services.GetRequiredService<ServiceAnalytics.Storage.ClickHouseStore>();

    /// <summary>
    /// Waits until the facts this service acknowledged are committed, as its own reads do first
    /// (<see cref="ServiceAnalytics.Server.Ingestion.FactVisibility"/>): for tests that read its tables directly.
    /// </summary>
    public ValueTask AcknowledgedFactsCommittedAsync() =>
        App.Services.GetRequiredService<ServiceAnalytics.Server.Ingestion.FactVisibility>().WaitForAcknowledgedAsync(ServiceAnalytics.Server.Ingestion.FactScope.All, Timeout.InfiniteTimeSpan, CancellationToken.None);

    /// <summary>The service's ClickHouse database.</summary>
    public string Database => App.Configuration["ClickHouse:Database"]!;

    /// <summary>A channel to this service whose calls carry the credentials <paramref name="authenticate"/> adds.</summary>
    public GrpcChannel CreateChannel(Action<Metadata> authenticate) => GrpcChannel.ForAddress(Address, new GrpcChannelOptions
    {
        Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, CallCredentials.FromInterceptor((_, metadata) =>
        {
            authenticate(metadata);
            return Task.CompletedTask;
        })),
        UnsafeUseInsecureChannelCallCredentials = true,
        MaxSendMessageSize = 64 * 1024 * 1024,
    });

    /// <summary>A gRPC-Web channel (text or binary) to the web endpoint, as a browser's generated client calls it.</summary>
    public GrpcChannel CreateWebChannel(Action<Metadata> authenticate, Grpc.Net.Client.Web.GrpcWebMode mode) => GrpcChannel.ForAddress(WebAddress, new GrpcChannelOptions
    {
        HttpHandler = new Grpc.Net.Client.Web.GrpcWebHandler(mode, new HttpClientHandler()),
        HttpVersion = System.Net.HttpVersion.Version11,
        HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, CallCredentials.FromInterceptor((_, metadata) =>
        {
            authenticate(metadata);
            return Task.CompletedTask;
        })),
        UnsafeUseInsecureChannelCallCredentials = true,
    });

    /// <summary>An HTTP/1.1 client of the web endpoint (JSON transcoding, OpenAPI).</summary>
    public HttpClient CreateHttpClient() => new() { BaseAddress = WebAddress };

    /// <param name="overrides">Configuration on top of the test defaults.</param>
    /// <param name="withTestKey">Configures <see cref="TestKey"/>; without it and other keys the service makes a development key.</param>
    /// <param name="configure">Services to add before the app is built (a log capture, say).</param>
    public static async Task<ServiceHost> StartAsync(
        IDictionary<string, string?>? overrides = null, bool withTestKey = true, Action<WebApplicationBuilder>? configure = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Web:Url"] = "http://127.0.0.1:0",
            // The SQL endpoint (served on the embedded engine) on a free port too, so hosts run side by side.
            ["SqlEndpoint:Url"] = "http://127.0.0.1:0",
            ["ClickHouse:Database"] = TestEnvironment.UniqueDatabaseName("service"),
            ["ClickHouse:Embedded:DataPath"] = TestEnvironment.EmbeddedDataPath,
            ["Logging:LogLevel:Default"] = "Warning",
            // Tests run rollups themselves (RollupTests); a scheduled one would settle days under other tests' feet.
            ["Rollups:Enabled"] = "false",
            // Tests call faster than any real caller; RateLimit tests lower it.
            ["Security:RequestsPerSecond"] = "100000",
            ["Security:RequestBurst"] = "100000",
        };
        if (withTestKey)
        {
            settings["Security:ApiKeys:0:Id"] = "tests";
            settings["Security:ApiKeys:0:Sha256"] = ApiKeyRing.HashHex(TestKey);
            settings["Security:ApiKeys:0:Shops:0"] = "*";
            foreach (var (scope, i) in new[] { "ingest", "query", "transfer", "operations" }.Select((s, i) => (s, i)))
            {
                settings[$"Security:ApiKeys:0:Scopes:{i}"] = scope;
            }
        }

        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var app = ServiceAnalyticsApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            configure?.Invoke(builder);
        });
        await app.StartAsync();
        var server = app.Services.GetRequiredService<IServer>();
        var endpoints = app.Services.GetRequiredService<ServiceEndpoints>();
        return new ServiceHost(app, endpoints.Grpc(server).Single(), endpoints.Web(server).Single());
    }

    /// <summary>Starts the service (see <see cref="StartAsync"/>) and waits until its schema is migrated.</summary>
    public static async Task<ServiceHost> StartReadyAsync(
        IDictionary<string, string?>? overrides = null, bool withTestKey = true, Action<WebApplicationBuilder>? configure = null)
    {
        var host = await StartAsync(overrides, withTestKey, configure);
        var readiness = host.App.Services.GetRequiredService<ServiceAnalytics.Storage.SchemaReadiness>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!readiness.IsReady && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        return readiness.IsReady ? host : throw new TimeoutException("The service's schema was not migrated within 60 s.");
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
