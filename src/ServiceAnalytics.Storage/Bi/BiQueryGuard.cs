using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;

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
public sealed class BiQueryGuard(BiSqlClient client, BiCatalog catalog)
{
    /// <summary>Checks <paramref name="query"/>; returns the canonical statement or throws <see cref="BiSqlException"/>.</summary>
    public async Task<BiCheckedStatement> CheckAsync(BiQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
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
