using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting.Server;
using ServiceAnalytics.Server.Hosting;
using ServiceAnalytics.Server.Security;

namespace ServiceAnalytics.Tests.SqlEndpoint;

/// <summary>
/// A running service whose SQL endpoint is on a free loopback port, with API keys for BI callers (every shop, one
/// shop) and one without the <c>bi</c> scope; and plain HTTP clients of that endpoint.
/// </summary>
public sealed class SqlEndpointFixture : IAsyncLifetime
{
    /// <summary>Keys by name: (key, scopes, shops).</summary>
    public static readonly Dictionary<string, (string Key, string[] Scopes, string[] Shops)> Keys = new()
    {
        ["bi-all"] = ("key-bi-all-" + Guid.NewGuid().ToString("N"), ["bi"], ["*"]),
        ["bi-a"] = ("key-bi-a-" + Guid.NewGuid().ToString("N"), ["bi"], ["sql-shop-a"]),
        ["query-all"] = ("key-query-all-" + Guid.NewGuid().ToString("N"), ["query"], ["*"]),
    };

    private ServiceHost? _host;

    public ServiceHost Host => _host ?? throw new InvalidOperationException("The service has not started.");

    /// <summary>The SQL endpoint's address, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri SqlAddress => Host.App.Services.GetRequiredService<ServiceEndpoints>().Sql(Host.App.Services.GetRequiredService<IServer>()).Single();

    public static string Key(string name) => Keys[name].Key;

    /// <summary>Settings for <see cref="Keys"/> beside the test key, plus <paramref name="extra"/>.</summary>
    public static Dictionary<string, string?> Settings(IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>();
        ApiKeySettings.Add(settings, Keys);

        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>A client of the SQL endpoint with no credentials (no automatic decompression: tests look at bytes).</summary>
    public HttpClient Anonymous() => new(new SocketsHttpHandler { AutomaticDecompression = System.Net.DecompressionMethods.None }) { BaseAddress = SqlAddress };

    /// <summary>A client sending <paramref name="name"/>'s key by HTTP basic auth, as BI drivers do.</summary>
    public HttpClient Basic(string name)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{name}:{Key(name)}")));
        return client;
    }

    public async ValueTask InitializeAsync() => _host = await ServiceHost.StartReadyAsync(Settings());

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
