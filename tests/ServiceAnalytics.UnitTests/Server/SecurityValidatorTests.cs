using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Server.Security;

namespace ServiceAnalytics.UnitTests.Server;

/// <summary>The API keys' and the transport's start-up checks: each failure names the setting that is wrong.</summary>
public sealed class SecurityValidatorTests
{
    private static readonly string s_hash = ApiKeyRing.HashHex("a-key");

    private static ApiKeyOptions Key(string id = "orders", string? sha256 = null, string[]? scopes = null, string[]? shops = null) =>
        new() { Id = id, Sha256 = sha256 ?? s_hash, Scopes = [.. scopes ?? ["query"]], Shops = [.. shops ?? ["shop-a"]] };

    [Fact]
    public void A_usable_key_passes()
    {
        var result = new SecurityOptionsValidator().Validate(null, new SecurityOptions { ApiKeys = [Key(), Key("everything", shops: ["*"])] });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    public static TheoryData<string, string> BadKeys => new()
    {
        { "no id", "Security:ApiKeys:1:Id must name the key in 1 to 64 characters." },
        { "long id", "Security:ApiKeys:1:Id must name the key in 1 to 64 characters." },
        { "short hash", "Security:ApiKeys:1:Sha256 must be the 64 hex digits of the key's SHA-256 (key 'orders')." },
        { "hash not hex", "Security:ApiKeys:1:Sha256 must be the 64 hex digits of the key's SHA-256 (key 'orders')." },
        { "no scope", "Security:ApiKeys:1:Scopes must list some of ingest, query, transfer, operations, bi (key 'orders')." },
        { "unknown scope", "Security:ApiKeys:1:Scopes must list some of ingest, query, transfer, operations, bi (key 'orders')." },
        { "no shop", "Security:ApiKeys:1:Shops must list the key's shops (1 to 64 characters each), or \"*\" for every shop (key 'orders')." },
        { "empty shop", "Security:ApiKeys:1:Shops must list the key's shops (1 to 64 characters each), or \"*\" for every shop (key 'orders')." },
    };

    [Theory]
    [MemberData(nameof(BadKeys))]
    public void An_unusable_key_fails_naming_its_setting(string fault, string failure)
    {
        var bad = fault switch
        {
            "no id" => Key(id: ""),
            "long id" => Key(id: new string('k', 65)),
            "short hash" => Key(sha256: "abc"),
            "hash not hex" => Key(sha256: new string('g', 64)),
            "no scope" => Key(scopes: []),
            "unknown scope" => Key(scopes: ["query", "admin"]),
            "no shop" => Key(shops: []),
            "empty shop" => Key(shops: [""]),
            _ => throw new ArgumentOutOfRangeException(nameof(fault)),
        };

        // The bad key is the second: the failure names its index, not the first key's.
        var result = new SecurityOptionsValidator().Validate(null, new SecurityOptions { ApiKeys = [Key("good"), bad] });

        Assert.Equal([failure], result.Failures);
    }

    [Theory]
    [InlineData("https://0.0.0.0:5311", false)]
    [InlineData("http://127.0.0.1:5311", false)]
    [InlineData("http://localhost:5311", false)]
    [InlineData("http://[::1]:5311", false)]
    [InlineData("http://0.0.0.0:5311", true)]
    [InlineData("http://[::]:5311", true)]
    [InlineData("http://10.0.0.7:5311", true)]
    public void Plaintext_beyond_loopback_fails_naming_the_endpoint_setting(string url, bool refused)
    {
        var result = Transport(new() { ["Kestrel:Endpoints:Grpc:Url"] = url, ["SqlEndpoint:Enabled"] = "false" }, new SecurityOptions { ApiKeys = [Key()] });

        string[]? expected = refused
            ? [$"Kestrel:Endpoints:Grpc:Url ({url}) is plaintext beyond loopback: use https (with the endpoint's certificate) or set Security:AllowPlaintextOnNetwork behind a TLS-terminating proxy."]
            : null;
        Assert.Equal(expected, result.Failures);
    }

    [Fact]
    public void Plaintext_beyond_loopback_passes_when_allowed_behind_a_proxy()
    {
        var result = Transport(
            new() { ["urls"] = "http://127.0.0.1:5311;http://0.0.0.0:5312", ["SqlEndpoint:Url"] = "http://0.0.0.0:5313" },
            new SecurityOptions { ApiKeys = [Key()], AllowPlaintextOnNetwork = true });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Every_plaintext_endpoint_is_named_by_its_setting()
    {
        var result = Transport(
            new() { ["urls"] = "http://127.0.0.1:5311;http://0.0.0.0:5312", ["SqlEndpoint:Url"] = "http://0.0.0.0:5313" },
            new SecurityOptions { ApiKeys = [Key()] });

        Assert.Equal(["urls (http://0.0.0.0:5312)", "SqlEndpoint:Url (http://0.0.0.0:5313)"], result.Failures!.Select(f => f[..f.IndexOf(" is ", StringComparison.Ordinal)]));
    }

    [Theory]
    [InlineData("http://127.0.0.1:0", null, true)]
    [InlineData("https://0.0.0.0:0", null, false)]
    [InlineData("https://0.0.0.0:0", "issuer", true)]
    public void Beyond_loopback_the_callers_must_be_configured(string url, string? issuer, bool passes)
    {
        var options = new SecurityOptions { Jwt = { Issuer = issuer } };
        var result = Transport(new() { ["Kestrel:Endpoints:Grpc:Url"] = url, ["SqlEndpoint:Enabled"] = "false" }, options);

        string[]? expected = passes
            ? null
            : [$"Security:ApiKeys (or Security:Jwt:Issuer) must configure the callers: the service listens beyond loopback (Kestrel:Endpoints:Grpc:Url ({url})) and makes a development key for loopback only."];
        Assert.Equal(expected, result.Failures);
    }

    [Theory]
    [InlineData("http://127.0.0.1:0", true)]
    [InlineData("https://0.0.0.0:0", false)]
    public void Loopback_only_means_every_endpoint_on_loopback(string sqlUrl, bool loopbackOnly)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = "http://127.0.0.1:0",
            ["SqlEndpoint:Url"] = sqlUrl,
        }).Build();

        Assert.Equal(loopbackOnly, TransportValidator.IsLoopbackOnly(configuration));
        // Nothing configured (the SQL endpoint off): Kestrel's defaults decide, which are not known to be loopback.
        var nothing = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["SqlEndpoint:Enabled"] = "false" }).Build();
        Assert.False(TransportValidator.IsLoopbackOnly(nothing));
    }

    private static ValidateOptionsResult Transport(Dictionary<string, string?> settings, SecurityOptions options) =>
        new TransportValidator(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()).Validate(null, options);
}
