using System.Diagnostics;
using System.Net;
using ServiceAnalytics.Server.Services;

namespace ServiceAnalytics.Tests.Hosting;

/// <summary>
/// Query admission (<see cref="QueryAdmission"/>): beyond the turns to answer and the calls allowed to wait for one,
/// a query is refused with RESOURCE_EXHAUSTED and a retry delay, on every door, instead of queueing without end;
/// calls that hold or wait within the bounds are answered, and calls not counted are never refused.
/// </summary>
public sealed class QueryAdmissionTests
{
    private const double WaitSeconds = 0.5;

    [Fact]
    public async Task Queries_past_the_turn_and_its_queue_are_refused_at_once_or_after_the_wait_and_the_admitted_are_answered()
    {
        await using var host = await ServiceHost.StartReadyAsync(new Dictionary<string, string?>
        {
            ["Query:MaxConcurrentQueries"] = "1",
            ["Query:MaxQueuedQueries"] = "1",
            ["Query:QueryQueueWait"] = TimeSpan.FromSeconds(WaitSeconds).ToString("c", CultureInfo.InvariantCulture),
        });
        var analytics = new AnalyticsService.AnalyticsServiceClient(host.Channel);
        var admission = host.App.Services.GetRequiredService<QueryAdmission>();
        // The period is the day of the chat, which a minute before now is yesterday just after midnight.
        var askedAt = DateTime.UtcNow.AddMinutes(-1);
        var day = DateOnly.FromDateTime(askedAt).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var overview = new GetOverviewRequest { ShopId = "shop-admission", FirstDay = day, LastDay = day };
        var breakdown = new GetStatusBreakdownRequest { ShopId = "shop-admission", FirstDay = day, LastDay = day };
        var facts = new FactScenario("shop-admission");
        facts.CustomerAsks("chat-1", askedAt);
        await new IngestionService.IngestionServiceClient(host.Channel).IngestBatchAsync(new IngestBatchRequest { Facts = { facts.Facts } });

        // Statements that hold every engine connection queries may take for 3 s: the one admitted query waits for
        // them, holding the only turn.
        var pool = host.Store.Engine!.Pool;
        var sleeps = Enumerable.Range(0, pool.MaxConnections - pool.ReservedConnections)
            .Select(_ => host.Store.Client.ExecuteScalarAsync("SELECT sleep(3)")).ToArray();
        while (pool.InUse < pool.MaxConnections - pool.ReservedConnections)
        {
            await Task.Delay(10);
        }

        var admitted = analytics.GetOverviewAsync(overview).ResponseAsync;
        while (admission.Answering < 1)
        {
            Assert.False(admitted.IsCompleted, "The first query was answered or refused instead of holding the turn.");
            await Task.Delay(5);
        }

        var waiting = Stopwatch.StartNew();
        var queued = analytics.GetStatusBreakdownAsync(breakdown).ResponseAsync;
        var refusedAfter = queued.ContinueWith(_ => waiting.Elapsed, TaskScheduler.Default);
        while (admission.Waiting < 1)
        {
            Assert.False(queued.IsCompleted, "The second query was answered or refused instead of waiting for the turn.");
            await Task.Delay(5);
        }

        // The queue holds one call: a third is refused at once, while the second still waits.
        var full = await Assert.ThrowsAsync<RpcException>(() => analytics.GetStatusBreakdownAsync(breakdown).ResponseAsync);
        Assert.False(queued.IsCompleted);
        AssertRefused(full, "waiting for a turn");
        // A call that is not counted is answered meanwhile.
        Assert.Equal("key:tests", (await analytics.GetCallerAsync(new GetCallerRequest())).CallerName);

        // The waiting call is refused once its wait is over, long before the turn comes free.
        var waited = await Assert.ThrowsAsync<RpcException>(() => queued);
        Assert.InRange((await refusedAfter).TotalSeconds, WaitSeconds * 0.9, 2.5);
        AssertRefused(waited, $"within {WaitSeconds} s");

        // The same over HTTP/JSON: 429 with the retry delay in Retry-After and in the error body.
        using (var http = host.CreateHttpClient())
        {
            http.DefaultRequestHeaders.Add("x-api-key", ServiceHost.TestKey);
            using var answer = await http.GetAsync(new Uri($"/v1/shops/shop-admission/status-breakdown?first_day={day}&last_day={day}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.TooManyRequests, answer.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), answer.Headers.RetryAfter?.Delta);
            using var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
            Assert.Equal((int)StatusCode.ResourceExhausted, body.RootElement.GetProperty("code").GetInt32());
            Assert.Contains(body.RootElement.GetProperty("details").EnumerateArray(),
                detail => detail.GetProperty("@type").GetString() == "type.googleapis.com/google.rpc.RetryInfo" && detail.GetProperty("retryDelay").GetString() == "1s");
        }

        Assert.False(admitted.IsCompleted, "The admitted query did not wait for the engine's connections: nothing was tested.");
        Assert.DoesNotContain(sleeps, sleep => sleep.IsCompleted);
        await Task.WhenAll(sleeps);
        Assert.Equal(1, (await admitted).Current.ChatsReceived);
        // With the turn free, the call that was refused is answered.
        Assert.NotNull(await analytics.GetStatusBreakdownAsync(breakdown));
    }

    private static void AssertRefused(RpcException error, string says)
    {
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains(says, error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(1), error.GetRpcStatus()!.GetDetail<Google.Rpc.RetryInfo>()!.RetryDelay.ToTimeSpan());
        // Where a client's retry policy looks for the delay without reading the details.
        Assert.Equal("1000", error.Trailers.GetValue("grpc-retry-pushback-ms"));
    }
}
