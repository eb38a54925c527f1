using System.Security.Cryptography;

namespace ServiceAnalytics.Server.Security;

/// <summary>
/// The key a service with no configured callers makes for itself on first start, when it listens on loopback
/// only: kept in a file readable by its owner only, with every scope and every shop. Never logged.
/// </summary>
internal static class DevelopmentKey
{
    public static ApiKeyOptions LoadOrCreate(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            var key = Base64Url(RandomNumberGenerator.GetBytes(32));
            using (var file = new FileStream(full, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.None))
            {
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(full, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                using var writer = new StreamWriter(file);
                writer.Write(key);
            }
        }

        return new ApiKeyOptions
        {
            Id = "development",
            Sha256 = ApiKeyRing.HashHex(File.ReadAllText(full).Trim()),
            Scopes = [.. CallerClaims.KnownScopes],
            Shops = [CallerClaims.AllShops],
        };
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
