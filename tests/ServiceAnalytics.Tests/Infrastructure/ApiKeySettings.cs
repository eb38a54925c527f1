using ServiceAnalytics.Server.Security;

namespace ServiceAnalytics.Tests.Infrastructure;

/// <summary>Configuration entries (<c>Security:ApiKeys:n:…</c>) for test API keys given by name.</summary>
public static class ApiKeySettings
{
    /// <summary>
    /// Adds <paramref name="keys"/> (name → key, scopes, shops) to <paramref name="settings"/> from index 1 on: index 0
    /// is the test key's (<see cref="ServiceHost.TestKey"/>).
    /// </summary>
    public static void Add(IDictionary<string, string?> settings, IEnumerable<KeyValuePair<string, (string Key, string[] Scopes, string[] Shops)>> keys)
    {
        var index = 1;
        foreach (var (name, (key, scopes, shops)) in keys)
        {
            settings[$"Security:ApiKeys:{index}:Id"] = name;
            settings[$"Security:ApiKeys:{index}:Sha256"] = ApiKeyRing.HashHex(key);
            for (var i = 0; i < scopes.Length; i++)
            {
                settings[$"Security:ApiKeys:{index}:Scopes:{i}"] = scopes[i];
            }

            for (var i = 0; i < shops.Length; i++)
            {
                settings[$"Security:ApiKeys:{index}:Shops:{i}"] = shops[i];
            }

            index++;
        }
    }
}
