using ClickHouse.Driver;

namespace ServiceAnalytics.Storage.Bi;

/// <summary>
/// Runs one BI statement for one caller: <see cref="BiQueryGuard"/> decides with the engine's parser whether it may
/// run, then its canonical text runs through ClickHouse.Driver on the BI client's read-only connections with the
/// caller's parameters and settings the service sets and the caller cannot change: the shop-scope filters
/// (<see cref="BiScope"/>) and the limits (<see cref="BiSqlClient.Limits"/>). The caller may only add settings that
/// shape the output (<see cref="BiOutputSettings"/>).
/// </summary>
public sealed class BiQueryRunner(BiSqlClient client, BiQueryGuard guard, BiCatalog catalog)
{
    private string? _timeZone;

    /// <summary>Checks and runs <paramref name="query"/>; throws <see cref="BiSqlException"/> for refusals and engine errors.</summary>
    public async Task<BiQueryResult> RunAsync(BiCaller caller, BiQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(query);
        string defaultFormat;
        BiCheckedStatement statement;
        try
        {
            BiOutputSettings.Check(query.Settings);
            defaultFormat = query.DefaultFormat is { Length: > 0 } asked ? BiStatementPolicy.CheckFormat(asked) : "TabSeparated";
            statement = await guard.CheckAsync(query, cancellationToken);
        }
        catch (BiSqlException refused)
        {
            Log.BiStatementRefused(client.Logger, caller.Name, refused.CodeName);
            throw;
        }

        var settings = ParameterSettings(client.StatementSettings(), query.Parameters);
        foreach (var (name, value) in query.Settings)
        {
            settings[name] = value;
        }

        foreach (var (name, value) in BiSqlClient.Limits(client.Options))
        {
            settings[name] = value;
        }

        settings["additional_table_filters"] = BiScope.Filters(
            client.Database, await catalog.ServiceTablesAsync(cancellationToken), caller.Shops);
        var format = statement.Shape.Format ?? defaultFormat;
        settings["default_format"] = format;
        var queryId = query.QueryId is { Length: > 0 } id ? id : Guid.NewGuid().ToString();
        var options = new QueryOptions { QueryId = queryId, Database = client.Database, CustomSettings = settings };
        var raw = await BiErrors.Translate(() => client.Client.ExecuteRawResultAsync(statement.CanonicalSql, options, cancellationToken));
        try
        {
            var body = await raw.ReadDecompressedStreamAsync();
            return new BiQueryResult(raw, body, format, queryId, await TimeZoneAsync(cancellationToken));
        }
        catch
        {
            raw.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <paramref name="settings"/> with the caller's <c>{name:Type}</c> values added as the HTTP interface carries
    /// them (<c>param_name</c>), unchanged: the engine parses them.
    /// </summary>
    internal static Dictionary<string, object> ParameterSettings(Dictionary<string, object> settings, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        foreach (var (name, value) in parameters)
        {
            settings["param_" + name] = value;
        }

        return settings;
    }

    private async Task<string> TimeZoneAsync(CancellationToken cancellationToken)
    {
        if (_timeZone is null)
        {
            _timeZone = client.Pool?.Engine.TimeZone
                ?? (string)(await BiErrors.Translate(() => client.Client.ExecuteScalarAsync("SELECT timezone()", cancellationToken: cancellationToken)))!;
        }

        return _timeZone;
    }
}
