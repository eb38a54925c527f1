using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using Microsoft.Extensions.Caching.Memory;

namespace ServiceAnalytics.Storage.Bi;

/// <summary>A BI statement the guard allowed: the engine's canonical text of it and its shape.</summary>
public sealed record BiCheckedStatement(string CanonicalSql, BiStatementShape Shape);

/// <summary>
/// Decides with the engine's own parser what a BI caller may run. The caller's text is bound as a parameter of
/// <c>SELECT formatQuery({q:String})</c>, which fails on anything but exactly one statement and otherwise returns
/// the engine's canonical text of it (with the engine's tokens of that text); only the canonical text is ever
/// explained or run. <c>EXPLAIN AST</c> of it (with the caller's parameters, so an <c>Identifier</c> parameter
/// cannot hide a table) is pure parsing; its tree is judged by <see cref="BiStatementPolicy"/>. No regular
/// expression or pattern ever looks at SQL text.
/// </summary>
/// <remarks>
/// Those two parses cost two engine round trips, as much as a small statement itself, and BI tools send the same
/// statements again and again (a dashboard's refresh). So allowed decisions are kept, keyed by the caller's exact text
/// and parameter values: the decision depends on nothing else (not on the caller, whose shops are applied when the
/// statement runs; the database, the views and the engine's functions are fixed for the process's life). Refusals are
/// not kept. The cache holds at most <see cref="CacheChars"/> characters of canonical text and forgets a statement
/// unused for <see cref="CacheIdle"/>.
/// </remarks>
public sealed class BiQueryGuard(BiSqlClient client, BiCatalog catalog) : IDisposable
{
    /// <summary>Canonical text kept at most, in characters (about 32 MB).</summary>
    public const int CacheChars = 16 * 1024 * 1024;

    /// <summary>How long an allowed decision is kept without being used.</summary>
    public static readonly TimeSpan CacheIdle = TimeSpan.FromMinutes(10);

    private readonly MemoryCache _allowed = new(new MemoryCacheOptions { SizeLimit = CacheChars });

    /// <summary>Checks <paramref name="query"/>; returns the canonical statement or throws <see cref="BiSqlException"/>.</summary>
    public async Task<BiCheckedStatement> CheckAsync(BiQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var key = DecisionKey(query);
        if (_allowed.TryGetValue(key, out BiCheckedStatement? known) && known is not null)
        {
            return known;
        }

        var decided = await DecideAsync(query, cancellationToken);
        _allowed.Set(key, decided, new MemoryCacheEntryOptions { Size = key.Length + decided.CanonicalSql.Length, SlidingExpiration = CacheIdle });
        return decided;
    }

    public void Dispose() => _allowed.Dispose();

    /// <summary>The text and every parameter, unambiguously (JSON): what a decision depends on.</summary>
    private static string DecisionKey(BiQuery query) =>
        System.Text.Json.JsonSerializer.Serialize(new object[] { query.Sql, query.Parameters.Select(p => new[] { p.Key, p.Value }).ToArray() });

    private async Task<BiCheckedStatement> DecideAsync(BiQuery query, CancellationToken cancellationToken)
    {
        var (canonical, tokens) = await CanonicalizeAsync(query.Sql, cancellationToken);
        var dump = await ExplainAsync(canonical, query.Parameters, cancellationToken);
        ClickHouseAst tree;
        try
        {
            tree = ClickHouseAst.Parse(dump);
        }
        catch (FormatException error)
        {
            throw BiStatementPolicy.Denied("the SQL endpoint could not read the engine's parse of the statement: " + error.Message);
        }

        var functions = await catalog.FunctionsAsync(cancellationToken);
        var shape = new BiStatementPolicy(client.Database, functions).Check(tree, tokens);
        return new BiCheckedStatement(canonical, shape);
    }

    private async Task<(string Canonical, IReadOnlyList<BiSqlToken> Tokens)> CanonicalizeAsync(string sql, CancellationToken cancellationToken)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("q", sql);
        const string Canonicalize = """
            SELECT
                canonical,
                arrayMap(t -> substring(canonical, t.1 + 1, t.2 - t.1), tokens) AS texts,
                arrayMap(t -> toString(t.3), tokens) AS types
            FROM
            (
                SELECT
                    formatQuery({q:String}) AS canonical,
                    arrayFilter(t -> t.3 NOT IN ('Whitespace', 'Comment'), tokenizeQuery(canonical)) AS tokens
            )
            """;
        using var reader = await BiErrors.Translate(() => client.Client.ExecuteReaderAsync(Canonicalize, parameters, cancellationToken: cancellationToken));
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new InvalidOperationException("formatQuery returned no row.");
        }

        var canonical = reader.GetString(0);
        var texts = (string[])reader.GetValue(1);
        var types = (string[])reader.GetValue(2);
        return (canonical, [.. texts.Zip(types, (text, type) => new BiSqlToken(text, type))]);
    }

    private async Task<string> ExplainAsync(string canonical, IReadOnlyList<KeyValuePair<string, string>> parameters, CancellationToken cancellationToken)
    {
        var options = new QueryOptions { CustomSettings = BiQueryRunner.ParameterSettings(client.StatementSettings(), parameters) };
        options.CustomSettings["default_format"] = "TSVRaw";
        // The canonical text is the engine's own rendering of exactly one statement: the one fragment composed here.
        using var result = await BiErrors.Translate(() => client.Client.ExecuteRawResultAsync($"EXPLAIN AST {canonical}", options, cancellationToken));
        using var body = new StreamReader(await result.ReadDecompressedStreamAsync());
        return await body.ReadToEndAsync(cancellationToken);
    }
}
