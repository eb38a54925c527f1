using System.Diagnostics;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Server.Ingestion;
using ServiceAnalytics.Server.Security;
using ServiceAnalytics.Storage;
using ServiceAnalytics.Storage.Bi;

namespace ServiceAnalytics.Server.SqlEndpoint;

/// <summary>
/// Serves every request that comes in through the SQL endpoint's port, as ClickHouse's HTTP interface does:
/// <c>/ping</c> and a bare <c>GET /</c> answer <c>Ok.</c>; <c>GET</c>/<c>POST /</c> run one statement for an
/// authenticated caller with the <c>bi</c> scope (<see cref="SqlCredentials"/>) within its call rate and the endpoint's
/// concurrency bound, through <see cref="BiQueryRunner"/>, which decides what may run. The result streams back as the
/// engine wrote it, compressed when asked; every failure is ClickHouse's error answer (<see cref="ClickHouseErrors"/>).
/// </summary>
internal sealed class SqlEndpointHandler : IDisposable
{
    /// <summary>The <c>X-ClickHouse-Server-Display-Name</c> of every answer.</summary>
    public const string DisplayName = "service-analytics";

    private readonly BiQueryRunner _runner;
    private readonly ApiKeyRing _keys;
    private readonly SqlEndpointOptions _options;
    private readonly string _database;
    private readonly ILogger<SqlEndpointHandler> _logger;
    private readonly SemaphoreSlim _slots;
    private readonly PartitionedRateLimiter<string> _rate;
    private readonly FactVisibility _visibility;
    private readonly SecurityInstruments _instruments;

    public SqlEndpointHandler(
        BiQueryRunner runner, FactVisibility visibility, ApiKeyRing keys, IOptions<SqlEndpointOptions> options, IOptions<SecurityOptions> security,
        IOptions<ClickHouseOptions> clickHouse, SecurityInstruments instruments, ILogger<SqlEndpointHandler> logger)
    {
        _runner = runner;
        _visibility = visibility;
        _instruments = instruments;
        _keys = keys;
        _options = options.Value;
        _database = clickHouse.Value.Database;
        _logger = logger;
        _slots = new SemaphoreSlim(_options.MaxConcurrentQueries);
        // The same per-caller budget as the other doors (Security:RequestsPerSecond, RequestBurst), kept apart from theirs.
        _rate = CallerRateLimits.Create(security.Value);
    }

    public async Task HandleAsync(HttpContext context)
    {
        if (SqlConnectionCount.IsOver(context))
        {
            context.Response.Headers.Connection = "close";
            await ClickHouseErrors.WriteAsync(context, ClickHouseErrors.Of(
                "TOO_MANY_SIMULTANEOUS_QUERIES", $"Too many connections to the SQL endpoint. Maximum: {_options.MaxConnections}"));
            return;
        }

        var request = context.Request;
        var bare = request.Path == "/" && HttpMethods.IsGet(request.Method) && !request.Query.ContainsKey("query") && request.ContentLength is null or 0;
        if (request.Path == "/ping" || bare)
        {
            context.Response.ContentType = "text/plain; charset=UTF-8";
            await context.Response.WriteAsync("Ok.\n", context.RequestAborted);
            return;
        }

        if (request.Path != "/" || !HttpMethods.IsGet(request.Method) && !HttpMethods.IsPost(request.Method))
        {
            context.Response.StatusCode = request.Path == "/" ? StatusCodes.Status405MethodNotAllowed : StatusCodes.Status404NotFound;
            context.Response.ContentType = "text/plain; charset=UTF-8";
            await context.Response.WriteAsync("Send queries with GET or POST to / (ClickHouse's HTTP interface); /ping answers Ok.\n", context.RequestAborted);
            return;
        }

        await RunAsync(context);
    }

    public void Dispose()
    {
        _slots.Dispose();
        _rate.Dispose();
    }

    /// <summary>Authenticates, reads and runs one statement; answers a refusal or failure as ClickHouse does.</summary>
    private async Task RunAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var caller = "anonymous";
        var queryId = context.Request.Query["query_id"].FirstOrDefault() is { Length: > 0 } id ? id : Guid.NewGuid().ToString();
        context.Response.Headers["X-ClickHouse-Query-Id"] = queryId;
        context.Response.Headers["X-ClickHouse-Server-Display-Name"] = DisplayName;
        try
        {
            var bi = Authenticate(context.Request);
            caller = bi.Name;
            using (var lease = _rate.AttemptAcquire(caller))
            {
                if (!lease.IsAcquired)
                {
                    _instruments.RateLimited(Doors.Sql);
                    throw ClickHouseErrors.Of("QUOTA_EXCEEDED", $"Too many statements from {caller}: slow down (Security:RequestsPerSecond)");
                }
            }

            var sql = await SqlRequest.ReadAsync(context, _options, _database, queryId);
            if (!await _slots.WaitAsync(0))
            {
                throw ClickHouseErrors.Of("TOO_MANY_SIMULTANEOUS_QUERIES", $"Too many simultaneous queries. Maximum: {_options.MaxConcurrentQueries}");
            }

            try
            {
                var bytes = await StreamResultAsync(context, bi, sql);
                ServerLog.SqlStatementRan(_logger, caller, queryId, Stopwatch.GetElapsedTime(started).TotalMilliseconds, bytes);
            }
            finally
            {
                _slots.Release();
            }
        }
        catch (BiSqlException error)
        {
            ServerLog.SqlStatementRefused(_logger, caller, queryId, Stopwatch.GetElapsedTime(started).TotalMilliseconds, error.Code, error.CodeName);
            await AnswerAsync(context, error);
        }
        catch (Exception error) when (error is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            ServerLog.SqlStatementFailed(_logger, caller, queryId, error);
            await AnswerAsync(context, BiSqlException.Of(1002, "UNKNOWN_EXCEPTION", "The statement failed inside the service; its log has the cause"));
        }
    }

    /// <summary>The caller (<see cref="SqlCredentials.Authenticate"/>); a refusal is counted as it is raised.</summary>
    private BiCaller Authenticate(HttpRequest request)
    {
        try
        {
            return SqlCredentials.Authenticate(request, _keys);
        }
        catch (BiSqlException refused)
        {
            _instruments.Refused(refused.CodeName == "ACCESS_DENIED" ? SecurityRefusal.MissingScope : SecurityRefusal.InvalidCredentials, Doors.Sql);
            throw;
        }
    }

    /// <summary>Runs the statement and streams its result; returns the bytes of the result (before compression).</summary>
    private async Task<long> StreamResultAsync(HttpContext context, BiCaller caller, SqlRequest sql)
    {
        var response = context.Response;
        // A BI tool reading the tables through this door sees what this instance acknowledged before the statement.
        await _visibility.WaitForAcknowledgedAsync(FactScope.All, context.RequestAborted);
        await using var result = await _runner.RunAsync(caller, sql.Query, context.RequestAborted);
        response.ContentType = SqlResponses.ContentType(result.Format);
        response.Headers["X-ClickHouse-Format"] = result.Format;
        response.Headers["X-ClickHouse-Timezone"] = result.TimeZone;

        var encoding = sql.CompressResponse ? SqlResponses.ChooseEncoding(context.Request.Headers.AcceptEncoding.ToString()) : null;
        await using var compressed = encoding is null ? null : new SqlResponses.CompressingWriter(response.Body, encoding, sql.ZlibLevel);
        if (encoding is not null)
        {
            response.Headers.ContentEncoding = encoding;
        }

        long bytes = 0;
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await result.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            await (compressed?.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted)
                ?? response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted).AsTask());
            bytes += read;
        }

        if (compressed is not null)
        {
            await compressed.CompleteAsync(context.RequestAborted);
        }

        return bytes;
    }

    /// <summary>
    /// ClickHouse's error answer. Once the result has begun streaming the status is sent: the error text is appended
    /// and the connection dropped, so a client sees a broken response rather than a silently short result.
    /// </summary>
    private static async Task AnswerAsync(HttpContext context, BiSqlException error)
    {
        if (!context.Response.HasStarted)
        {
            context.Response.Headers.Remove("X-ClickHouse-Format");
            context.Response.Headers.ContentEncoding = default;
            await ClickHouseErrors.WriteAsync(context, error);
            return;
        }

        try
        {
            await context.Response.WriteAsync("\n" + error.Message + "\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
        finally
        {
            context.Abort();
        }
    }
}
