namespace ServiceAnalytics.Storage.Bi;

/// <summary>
/// The functions a BI statement may not call: those that reach outside the statement's tables (files, dictionaries,
/// other tables by name, the network, models), reveal the server (its files, host, configuration, settings of the
/// server or of MergeTree, the keeper) or are the engine's internals. Built from the engine's own
/// <c>system.functions</c> (<see cref="FromCatalog"/>): every function of a denied category
/// (<see cref="DeniedCategories"/>), every function in <see cref="DeniedNames"/>, and every alias of either
/// (<c>alias_to</c>), so <c>fullHostName</c> goes with <c>FQDN</c>. Names are compared case-insensitively: the
/// engine resolves some names case-insensitively and a refusal must not depend on the caller's spelling.
/// </summary>
public sealed class BiFunctionPolicy
{
    /// <summary>
    /// Categories of <c>system.functions</c> refused whole: dictionaries (<c>dictGet*</c>, <c>dictHas</c>…),
    /// embedded dictionaries (<c>regionTo*</c>, server files), introspection (<c>addressToSymbol</c>,
    /// <c>logTrace</c>, <c>mergeTreePartInfo</c>), internals (<c>__getScalar</c>…) and AI functions (they call an
    /// external model over the network).
    /// </summary>
    public static IReadOnlyList<string> DeniedCategories { get; } = ["Dictionary", "Embedded Dictionary", "Introspection", "Internal", "AI"];

    /// <summary>Functions refused by name (with their aliases), from the engine's <c>Other</c> and unnamed categories.</summary>
    public static IReadOnlyList<string> DeniedNames { get; } =
    [
        // Read a file or another table by name, or evaluate a model file.
        "file", "joinGet", "joinGetOrNull", "hasColumnInTable", "catboostEvaluate", "naiveBayesClassifier",
        "naiveBayesClassifierWithProb", "naiveBayesClassifierWithAllProbs", "getSubcolumn",
        // The server's configuration, settings, files, host and keeper.
        "getServerSetting", "getMergeTreeSetting", "getMacro", "getSetting", "getSettingOrDefault", "filesystemAvailable",
        "filesystemCapacity", "filesystemUnreserved", "getOSKernelVersion", "showCertificate", "getClientHTTPHeader",
        "zookeeperSessionUptime", "serverUUID", "buildId", "tcpPort", "getServerPort", "hostName", "FQDN", "displayName",
        "uptime", "revision", "globalVariable", "shardNum", "shardCount", "runningConcurrency", "generateSerialID",
        "getMaxTableNameLengthForDatabase", "currentRoles", "enabledRoles", "defaultRoles", "currentProfiles",
        "enabledProfiles", "defaultProfiles", "transactionID", "transactionLatestSnapshot", "transactionOldestSnapshot",
    ];

    /// <summary>
    /// Functions of the <c>Internal</c> category that the engine's parser itself writes into a statement, so refusing
    /// them would refuse ordinary SQL: <c>_CAST</c> for every bound <c>{name:Type}</c> parameter of a type other than
    /// String, <c>caseWithExpression</c> for <c>CASE x WHEN …</c>. Both compute on the statement's own values only.
    /// </summary>
    public static IReadOnlySet<string> ParserMade { get; } = new HashSet<string>(["_CAST", "caseWithExpression"], StringComparer.OrdinalIgnoreCase);

    private readonly HashSet<string> _denied;

    private BiFunctionPolicy(HashSet<string> denied) => _denied = denied;

    /// <summary>Builds the policy from the rows of <c>system.functions</c>: name, <c>alias_to</c>, <c>categories</c>.</summary>
    public static BiFunctionPolicy FromCatalog(IEnumerable<(string Name, string AliasTo, string Categories)> functions)
    {
        ArgumentNullException.ThrowIfNull(functions);
        var rows = functions.ToList();
        var denied = new HashSet<string>(DeniedNames, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, _, categories) in rows)
        {
            if (!ParserMade.Contains(name) && categories.Split(',', StringSplitOptions.TrimEntries).Any(category => DeniedCategories.Contains(category)))
            {
                denied.Add(name);
            }
        }

        // Aliases after their targets: an alias of a denied function is denied.
        foreach (var (name, aliasTo, _) in rows)
        {
            if (aliasTo.Length > 0 && denied.Contains(aliasTo))
            {
                denied.Add(name);
            }
        }

        return new BiFunctionPolicy(denied);
    }

    /// <summary>Throws ACCESS_DENIED when <paramref name="name"/> is refused.</summary>
    public void Check(string name)
    {
        if (_denied.Contains(name))
        {
            throw BiStatementPolicy.Denied($"function {name} reaches outside the BI views and is not allowed by the SQL endpoint");
        }
    }
}
