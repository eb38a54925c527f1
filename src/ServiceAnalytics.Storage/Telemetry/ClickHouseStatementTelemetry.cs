using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Web;

namespace ServiceAnalytics.Storage.Telemetry;

/// <summary>
/// A span per ClickHouse statement, started around each HTTP request ClickHouse.Driver sends (to a server or to the
/// embedded engine's in-process handler), as a child of the span current at the call: the query RPC, the rollup run.
/// It carries what leads from a trace to ClickHouse's own records — the <c>query_id</c> the statement ran under (the
/// driver sends one with every statement; <c>system.query_log</c> on a server is keyed by it) — the statement's kind
/// and table (<see cref="ClickHouseStatementSummary"/>), the database and the rows ClickHouse reports in its
/// <c>X-ClickHouse-Summary</c> header. Never the statement's text, its parameters or the credentials of the request.
/// It also times each statement for <c>db.client.operation.duration</c> (<see cref="ClickHouseStatementMetrics"/>).
/// </summary>
/// <remarks>
/// Why not the driver's own activity source (<c>ClickHouse.Driver</c>): its spans are named after driver methods
/// (<c>PostSqlQueryAsync</c>), carry no query id, table or kind, and put the connection string (user, host, a masked
/// password) on every span. This handler sees the request the driver built, so it names what was really sent.
/// </remarks>
/// <param name="inner">The handler that sends the request (to a server, or the embedded engine's).</param>
/// <param name="metrics">Where each statement's duration is recorded as well, or null.</param>
/// <param name="tablesInMetrics">Whether the metric and the span's name name the statement's table (not for statements callers write).</param>
public sealed class ClickHouseStatementTelemetry(HttpMessageHandler inner, ClickHouseStatementMetrics? metrics = null, bool tablesInMetrics = true)
    : DelegatingHandler(inner)
{
    /// <summary>The attribute holding the statement's ClickHouse query id.</summary>
    public const string QueryIdTag = "clickhouse.query_id";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var measured = metrics is { Enabled: true } ? metrics : null;
        if ((measured is null && !ServiceTracing.Source.HasListeners()) || request.RequestUri is not { } uri || uri.AbsolutePath.TrimEnd('/') == "/ping")
        {
            return await base.SendAsync(request, cancellationToken);
        }

        var started = Stopwatch.GetTimestamp();
        using var span = ServiceTracing.Source.StartActivity("clickhouse", ActivityKind.Client);
        var activity = span is { IsAllDataRequested: true } ? span : null;
        if (activity is null && measured is null)
        {
            return await base.SendAsync(request, cancellationToken);
        }

        var query = HttpUtility.ParseQueryString(uri.Query);
        var (kind, table) = ClickHouseStatementSummary.Summarize(query["query"] ?? await StatementInBodyAsync(request.Content, cancellationToken));
        var database = query["database"];
        if (activity is not null)
        {
            TagStatement(activity, uri, query["query_id"], database, kind, table, tablesInMetrics);
        }

        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            var errorType = response.IsSuccessStatusCode ? null : ErrorType(response);
            measured?.Record(Stopwatch.GetElapsedTime(started), database, kind, tablesInMetrics ? table : null, errorType);
            if (activity is not null)
            {
                TagOutcome(activity, response, errorType);
            }

            return response;
        }
        catch (Exception error)
        {
            measured?.Record(Stopwatch.GetElapsedTime(started), database, kind, tablesInMetrics ? table : null, error.GetType().FullName);
            activity?.SetStatus(ActivityStatusCode.Error);
            activity?.SetTag("error.type", error.GetType().FullName);
            throw;
        }
    }

    private static void TagStatement(Activity activity, Uri uri, string? queryId, string? database, string? kind, string? table, bool tableInName)
    {
        activity.DisplayName = (kind, tableInName ? table : null) switch
        {
            (null, _) => "clickhouse",
            (_, null) => kind,
            _ => $"{kind} {table}",
        };
        activity.SetTag("db.system.name", "clickhouse");
        activity.SetTag("db.namespace", database);
        activity.SetTag("db.operation.name", kind);
        activity.SetTag("db.collection.name", table);
        activity.SetTag(QueryIdTag, queryId);
        activity.SetTag("server.address", uri.Host);
        activity.SetTag("server.port", uri.Port);
    }

    /// <summary>A failed statement's error type: the ClickHouse error code, never its message (that may quote the statement).</summary>
    private static string ErrorType(HttpResponseMessage response) =>
        response.Headers.TryGetValues("X-ClickHouse-Exception-Code", out var codes)
            ? codes.FirstOrDefault() ?? ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static void TagOutcome(Activity activity, HttpResponseMessage response, string? errorType)
    {
        if (response.Headers.TryGetValues("X-ClickHouse-Query-Id", out var ids) && activity.GetTagItem(QueryIdTag) is null)
        {
            activity.SetTag(QueryIdTag, ids.FirstOrDefault());
        }

        if (errorType is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error);
            activity.SetTag("error.type", errorType);
            return;
        }

        if (response.Headers.TryGetValues("X-ClickHouse-Summary", out var summaries))
        {
            TagRows(activity, summaries.FirstOrDefault());
        }
    }

    /// <summary>The row counts of ClickHouse's summary (numbers as JSON strings: <c>{"read_rows":"10",…}</c>).</summary>
    private static void TagRows(Activity activity, string? summary)
    {
        if (string.IsNullOrEmpty(summary))
        {
            return;
        }

        try
        {
            using var document = JsonDocument.Parse(summary);
            foreach (var (field, tag) in s_rowTags)
            {
                if (document.RootElement.TryGetProperty(field, out var value) && long.TryParse(value.ToString(), out var rows))
                {
                    activity.SetTag(tag, rows);
                }
            }
        }
        catch (JsonException)
        {
            // A summary that is not JSON tells nothing; the span keeps the rest.
        }
    }

    private static readonly (string Field, string Tag)[] s_rowTags =
    [
        ("read_rows", "clickhouse.read_rows"),
        ("written_rows", "clickhouse.written_rows"),
        ("result_rows", "db.response.returned_rows"),
    ];

    /// <summary>
    /// The head of a statement sent as the request body (queries; an INSERT's data never is, its statement is in the
    /// <c>query</c> parameter). Reading it buffers the body, which the driver built in memory anyway.
    /// </summary>
    private static async Task<string?> StatementInBodyAsync(HttpContent? content, CancellationToken cancellationToken)
    {
        if (content is null or StreamContent)
        {
            return null;
        }

        var bytes = await content.ReadAsByteArrayAsync(cancellationToken);
        Stream body = new MemoryStream(bytes, writable: false);
        body = content.Headers.ContentEncoding.LastOrDefault() switch
        {
            null => body,
            "gzip" => new GZipStream(body, CompressionMode.Decompress),
            "deflate" => new ZLibStream(body, CompressionMode.Decompress),
            "br" => new BrotliStream(body, CompressionMode.Decompress),
            _ => Stream.Null,
        };
        await using (body)
        {
            var head = new byte[ClickHouseStatementSummary.ScannedChars];
            var read = await body.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
            return Encoding.UTF8.GetString(head, 0, read);
        }
    }
}
