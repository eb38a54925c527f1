using System.CommandLine;
using System.Net;
using Grpc.Core;
using Grpc.Net.Client;

namespace ServiceAnalytics.Server.Commands;

/// <summary>
/// How a command reaches the running service instead of the store: <c>--service URL</c> (its gRPC door) with an API
/// key read from <c>--api-key-file FILE</c> or, without it, the <see cref="ApiKeyVariable"/> environment variable —
/// never from the command line, where it would show in the process list and the shell's history. A plaintext
/// address must be loopback: the key would otherwise cross the network in clear text (the service itself serves
/// non-loopback callers over TLS only).
/// </summary>
internal static class ServiceConnection
{
    /// <summary>The environment variable holding the API key when no <c>--api-key-file</c> is given.</summary>
    public const string ApiKeyVariable = "SERVICE_ANALYTICS_API_KEY";

    /// <summary>The <c>--service</c> option: <paramref name="purpose"/> says what the command does through it.</summary>
    public static Option<Uri?> ServiceOption(string purpose) => new("--service")
    {
        HelpName = "URL",
        Description = $"{purpose} at this gRPC address (e.g. http://127.0.0.1:5310), authenticated with --api-key-file or ${ApiKeyVariable}.",
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (Uri.TryCreate(text, UriKind.Absolute, out var address) && (address.Scheme == Uri.UriSchemeHttp || address.Scheme == Uri.UriSchemeHttps))
            {
                return address;
            }

            result.AddError($"--service must be an http:// or https:// address such as http://127.0.0.1:5310, not '{text}'.");
            return null;
        },
    };

    /// <summary>The <c>--api-key-file</c> option; <paramref name="scope"/> names the scope the key needs.</summary>
    public static Option<string?> ApiKeyFileOption(string scope) => new("--api-key-file")
    {
        HelpName = "FILE",
        Description = $"A file holding the API key (scope {scope}) for --service; else ${ApiKeyVariable}. Never a key on the command line.",
    };

    /// <summary>Why <paramref name="service"/> and <paramref name="apiKeyFile"/> cannot be used together as given, or null.</summary>
    public static string? UsageProblem(Uri? service, string? apiKeyFile) => (service, apiKeyFile) switch
    {
        (null, not null) => "--api-key-file is the credential for --service; without --service the command works on the store directly.",
        ({ } uri, _) when uri.Scheme == Uri.UriSchemeHttp && !IsLoopback(uri) =>
            $"--service {uri} is plaintext and not loopback: the API key would travel in clear text. Use https://.",
        (not null, null) when string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(ApiKeyVariable)) =>
            $"--service needs an API key: --api-key-file FILE or the environment variable {ApiKeyVariable}.",
        _ => null,
    };

    /// <summary>A channel to the service at <paramref name="address"/> whose calls carry the key (<c>x-api-key</c>).</summary>
    /// <exception cref="CommandFailedException">The key file cannot be read or the key is empty.</exception>
    public static async Task<GrpcChannel> OpenAsync(Uri address, string? apiKeyFile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        var key = await ReadApiKeyAsync(apiKeyFile, cancellationToken);
        var plaintext = address.Scheme != Uri.UriSchemeHttps;
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Create(
                plaintext ? ChannelCredentials.Insecure : ChannelCredentials.SecureSsl,
                CallCredentials.FromInterceptor((_, metadata) =>
                {
                    metadata.Add("x-api-key", key);
                    return Task.CompletedTask;
                })),
            // Plaintext is allowed for loopback only (UsageProblem).
            UnsafeUseInsecureChannelCallCredentials = plaintext,
            MaxSendMessageSize = null,
            // An interrupted command's calls end with OperationCanceledException, as the store's do, not as a failed RPC.
            ThrowOperationCanceledOnCancellation = true,
        });
    }

    private static async Task<string> ReadApiKeyAsync(string? apiKeyFile, CancellationToken cancellationToken)
    {
        string key;
        try
        {
            key = apiKeyFile is null
                ? (Environment.GetEnvironmentVariable(ApiKeyVariable) ?? "").Trim()
                : (await File.ReadAllTextAsync(apiKeyFile, cancellationToken)).Trim();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new CommandFailedException($"cannot read the API key file {Path.GetFullPath(apiKeyFile!)}: {error.Message}", error);
        }

        return key.Length > 0 ? key : throw new CommandFailedException($"the API key ({apiKeyFile ?? "$" + ApiKeyVariable}) is empty.");
    }

    private static bool IsLoopback(Uri uri) => uri.IsLoopback || (IPAddress.TryParse(uri.DnsSafeHost, out var address) && IPAddress.IsLoopback(address));
}
