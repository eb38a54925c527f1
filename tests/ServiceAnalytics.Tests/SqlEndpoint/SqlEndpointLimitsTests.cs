using System.Net;

namespace ServiceAnalytics.Tests.SqlEndpoint;

/// <summary>
/// The endpoint's bounds on callers — statements at once (429, TOO_MANY_SIMULTANEOUS_QUERIES), calls per second (429,
/// QUOTA_EXCEEDED) — and the runner's limits on a statement as the endpoint answers them.
/// </summary>
public sealed class SqlEndpointLimitsTests
{
    [Fact]
    public async Task A_statement_over_the_concurrency_bound_is_refused_with_429_and_the_bound_frees_again()
    {
        await using var host = await ServiceHost.StartReadyAsync(SqlEndpointFixture.Settings(new Dictionary<string, string?> { ["SqlEndpoint:MaxConcurrentQueries"] = "1" }));
        using var client = Client(host, "bi-all");
        var slow = ClickHouseAnswers.PostAsync(client, "SELECT sleep(1.5)");
        HttpResponseMessage? refused = null;
        // The slow statement holds the one slot for 1.5 s; a second one sent meanwhile is refused at once.
        while (refused is null && !slow.IsCompleted)
        {
            await Task.Delay(50);
            var second = await ClickHouseAnswers.PostAsync(client, "SELECT 1");
            if (second.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = second;
            }
            else
            {
                second.Dispose();
            }
        }

        Assert.NotNull(refused);
        using (refused)
        {
            var body = await ClickHouseAnswers.AssertErrorAsync(host, refused, HttpStatusCode.TooManyRequests, "TOO_MANY_SIMULTANEOUS_QUERIES");
            Assert.Contains("Maximum: 1", body, StringComparison.Ordinal);
        }

        using (var first = await slow)
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using var after = await ClickHouseAnswers.PostAsync(client, "SELECT 2");
        Assert.Equal("2\n", await after.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_connection_over_the_bound_is_answered_429_and_closed_and_the_bound_frees_again()
    {
        await using var host = await ServiceHost.StartReadyAsync(SqlEndpointFixture.Settings(new Dictionary<string, string?> { ["SqlEndpoint:MaxConnections"] = "2" }));
        // Each client has a connection pool of its own: two kept-alive connections fill the bound.
        using var first = Client(host, "bi-all");
        using var second = Client(host, "bi-all");
        foreach (var client in new[] { first, second })
        {
            using var answer = await ClickHouseAnswers.PostAsync(client, "SELECT 1");
            Assert.Equal("1\n", await answer.Content.ReadAsStringAsync());
        }

        using (var third = Client(host, "bi-all"))
        using (var refused = await ClickHouseAnswers.PostAsync(third, "SELECT 1"))
        {
            var body = await ClickHouseAnswers.AssertErrorAsync(host, refused, HttpStatusCode.TooManyRequests, "TOO_MANY_SIMULTANEOUS_QUERIES");
            Assert.Contains("Too many connections to the SQL endpoint. Maximum: 2", body, StringComparison.Ordinal);
            Assert.True(refused.Headers.ConnectionClose, "the refused connection is closed");
        }

        // The kept-alive connections still answer; once one closes, a new connection is served.
        using (var again = await ClickHouseAnswers.PostAsync(first, "SELECT 2"))
        {
            Assert.Equal("2\n", await again.Content.ReadAsStringAsync());
        }

        second.Dispose();
        var served = false;
        for (var attempt = 0; attempt < 50 && !served; attempt++)
        {
            using var fresh = Client(host, "bi-all");
            using var answer = await ClickHouseAnswers.PostAsync(fresh, "SELECT 3");
            served = answer.StatusCode == HttpStatusCode.OK && await answer.Content.ReadAsStringAsync() == "3\n";
            if (!served)
            {
                await Task.Delay(100);
            }
        }

        Assert.True(served, "a new connection is served once one of the two closed");
    }

    [Fact]
    public async Task A_caller_over_its_call_rate_is_refused_with_429_and_others_are_not()
    {
        await using var host = await ServiceHost.StartReadyAsync(SqlEndpointFixture.Settings(new Dictionary<string, string?>
        {
            ["Security:RequestsPerSecond"] = "1",
            ["Security:RequestBurst"] = "3",
        }));
        using var client = Client(host, "bi-a");
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 8 && refused is null; i++)
        {
            var response = await ClickHouseAnswers.PostAsync(client, "SELECT 1");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
            else
            {
                response.Dispose();
            }
        }

        // The burst of 3 passes; with one more call per second, one of the next five, sent at once, is refused.
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], statuses.Take(3));
        Assert.NotNull(refused);
        using (refused)
        {
            await ClickHouseAnswers.AssertErrorAsync(host, refused, HttpStatusCode.TooManyRequests, "QUOTA_EXCEEDED");
        }

        using var other = Client(host, "bi-all");
        using var allowed = await ClickHouseAnswers.PostAsync(other, "SELECT 1");
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task The_runners_limits_answer_with_the_status_a_server_gives_their_codes()
    {
        await using var host = await ServiceHost.StartReadyAsync(SqlEndpointFixture.Settings(new Dictionary<string, string?>
        {
            ["BiSql:MaxExecutionTime"] = "00:00:01",
            ["BiSql:MaxResultRows"] = "1000",
        }));
        await host.Store.Client.ExecuteNonQueryAsync(
            "INSERT INTO settled_chats (shop_id, day, chat_id, received) VALUES ('sql-shop-a', '2026-01-01', 'a1', true), ('sql-shop-a', '2026-01-01', 'a2', true), ('sql-shop-a', '2026-01-02', 'a3', true), ('sql-shop-a', '2026-01-02', 'a4', true)");
        await host.Store.Client.ExecuteNonQueryAsync(
            "INSERT INTO rollup_runs (run_id, started_at, arrivals_through, error) VALUES ('r1', '2026-01-03 00:00:00', '2026-01-02 23:00:00', '')");
        using var client = Client(host, "bi-a");

        // 4 rows of 0.4 s in one block: 1.6 s of work against a 1 s limit.
        using (var slow = await ClickHouseAnswers.PostAsync(client, "SELECT sleepEachRow(0.4) FROM bi_chats"))
        {
            await ClickHouseAnswers.AssertErrorAsync(host, slow, HttpStatusCode.RequestTimeout, "TIMEOUT_EXCEEDED");
        }

        // 4 chats x 300 = 1,200 rows against a limit of 1,000; 4 x 200 fit.
        using (var large = await ClickHouseAnswers.PostAsync(client, "SELECT chat_id, x FROM bi_chats ARRAY JOIN range(300) AS x"))
        {
            await ClickHouseAnswers.AssertErrorAsync(host, large, HttpStatusCode.InternalServerError, "TOO_MANY_ROWS_OR_BYTES");
        }

        using var fits = await ClickHouseAnswers.PostAsync(client, "SELECT chat_id, x FROM bi_chats ARRAY JOIN range(200) AS x");
        Assert.Equal(800, (await fits.Content.ReadAsStringAsync()).Count(c => c == '\n'));
    }

    private static HttpClient Client(ServiceHost host, string key)
    {
        var endpoints = host.App.Services.GetRequiredService<ServiceAnalytics.Server.Hosting.ServiceEndpoints>();
        var address = endpoints.Sql(host.App.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()).Single();
        var client = new HttpClient { BaseAddress = address };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{key}:{SqlEndpointFixture.Key(key)}")));
        return client;
    }
}
