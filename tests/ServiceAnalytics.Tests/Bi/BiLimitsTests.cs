using System.Diagnostics;
using ServiceAnalytics.Storage.Bi;

namespace ServiceAnalytics.Tests.Bi;

/// <summary>
/// The limits the service sets on every BI statement (the fixture's: 2 s, 1000 result rows, 1 MiB of result, 64 MiB of
/// memory, 2 connections) hold, and
/// the BI pool's bound keeps BI statements off the service's connections.
/// </summary>
public sealed class BiLimitsTests(BiRunnerFixture bi) : IClassFixture<BiRunnerFixture>
{
    [Fact]
    public async Task A_statement_over_the_time_limit_is_stopped_with_TIMEOUT_EXCEEDED()
    {
        var stopwatch = Stopwatch.StartNew();
        // 6 rows of 0.4 s each in one block: 2.4 s of work against a 2 s limit.
        var error = await Assert.ThrowsAsync<BiSqlException>(() => bi.TextAsync(BiRunnerFixture.Platform, "SELECT sleepEachRow(0.4) FROM bi_chats"));

        Assert.Equal(159, error.Code);
        Assert.Equal("TIMEOUT_EXCEEDED", error.CodeName);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task A_result_over_the_row_limit_fails_with_TOO_MANY_ROWS_OR_BYTES()
    {
        // 6 chats x 500 = 3000 rows against a limit of 1000; the same shape under the limit answers.
        var error = await Assert.ThrowsAsync<BiSqlException>(() => bi.TextAsync(BiRunnerFixture.Platform, "SELECT chat_id, x FROM bi_chats ARRAY JOIN range(500) AS x"));
        Assert.Equal(396, error.Code);
        Assert.Equal("TOO_MANY_ROWS_OR_BYTES", error.CodeName);

        var text = await bi.TextAsync(BiRunnerFixture.Platform, "SELECT chat_id, x FROM bi_chats ARRAY JOIN range(100) AS x");
        Assert.Equal(600, text.Count(c => c == '\n'));
    }

    [Fact]
    public async Task A_result_over_the_byte_limit_fails_with_TOO_MANY_ROWS_OR_BYTES()
    {
        // 600 rows (under the row limit) of 10,000 bytes: about 6 MB against 1 MiB; the same rows of 100 bytes answer.
        // The strings depend on the row: a constant column is one value in memory, whatever the rows.
        var error = await Assert.ThrowsAsync<BiSqlException>(() => bi.TextAsync(BiRunnerFixture.Platform, "SELECT repeat(toString(x % 10), 10000) FROM bi_chats ARRAY JOIN range(100) AS x"));
        Assert.Equal(396, error.Code);
        Assert.Equal("TOO_MANY_ROWS_OR_BYTES", error.CodeName);

        var text = await bi.TextAsync(BiRunnerFixture.Platform, "SELECT repeat(toString(x % 10), 100) FROM bi_chats ARRAY JOIN range(100) AS x");
        Assert.Equal(600 * 101, text.Length);
    }

    [Fact]
    public async Task A_statement_over_the_memory_limit_fails_with_MEMORY_LIMIT_EXCEEDED()
    {
        // An array of 20 million numbers per chat: 160 MB against 64 MiB. The same of 1,000 answers.
        var error = await Assert.ThrowsAsync<BiSqlException>(() => bi.TextAsync(BiRunnerFixture.Platform, "SELECT length(arrayMap(n -> n * 2, range(20000000))) FROM bi_chats"));
        Assert.Equal(241, error.Code);
        Assert.Equal("MEMORY_LIMIT_EXCEEDED", error.CodeName);

        Assert.Equal(string.Concat(Enumerable.Repeat("1000\n", 6)), await bi.TextAsync(BiRunnerFixture.Platform, "SELECT length(arrayMap(n -> n * 2, range(1000))) FROM bi_chats"));
    }

    [Fact]
    public async Task The_BI_connections_themselves_are_read_only_behind_the_guard()
    {
        // Straight through the BI client, past the guard: the connections' own readonly=2 refuses writes and lifting it.
        foreach (var sql in new[] { "INSERT INTO secret_facts VALUES ('shop-z', 'planted')", "SET readonly = 0", "DROP TABLE secret_facts" })
        {
            var error = await Assert.ThrowsAsync<ClickHouse.Driver.ClickHouseServerException>(() => bi.Client.Client.ExecuteNonQueryAsync(sql));
            Assert.True(error.ErrorCode == 164, $"{sql}: {error.Message}");
        }

        Assert.Equal(2UL, await bi.Database.Client.ExecuteScalarAsync("SELECT count() FROM secret_facts"));
    }

    [Fact]
    public async Task More_statements_than_connections_wait_and_the_service_pool_still_answers()
    {
        var pool = bi.Client.Pool!;
        Assert.Equal(BiRunnerFixture.Options.MaxConnections, pool.MaxConnections);
        var observedInUse = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                observedInUse = Math.Max(observedInUse, pool.InUse);
                await Task.Delay(5);
            }
        });

        // Four statements of 0.9 s (3 rows x 0.3 s) on two connections take at least two rounds.
        var stopwatch = Stopwatch.StartNew();
        var statements = Enumerable.Range(0, 4)
            .Select(_ => bi.TextAsync(BiRunnerFixture.Shops(BiRunnerFixture.ShopA), "SELECT sleepEachRow(0.3) FROM bi_chats"))
            .ToList();
        await Task.Delay(300);
        var service = Stopwatch.StartNew();
        Assert.Equal((byte)1, await bi.Database.Client.ExecuteScalarAsync("SELECT 1"));
        var serviceElapsed = service.Elapsed;
        await Task.WhenAll(statements);
        var elapsed = stopwatch.Elapsed;
        await sampling.CancelAsync();
        await sampler;

        Assert.All(statements, statement => Assert.Equal("0\n0\n0\n", statement.Result));
        Assert.True(elapsed >= TimeSpan.FromSeconds(1.8), $"4 statements on 2 connections took {elapsed.TotalSeconds:F2} s");
        Assert.Equal(pool.MaxConnections, observedInUse);
        Assert.True(serviceElapsed < TimeSpan.FromSeconds(0.5), $"the service's pool answered in {serviceElapsed.TotalSeconds:F2} s");
    }

    [Fact]
    public async Task BI_statements_run_after_the_services_own_in_the_engines_priority_order()
    {
        // ClickHouse runs a smaller priority number first (0 takes no part): the service's statements, those with
        // settings of their own too, at 1; BI statements at 10 (their connections are opened with it, the runner sends it again; getSetting is no function a BI caller may call).
        var withOwnSettings = new ClickHouse.Driver.QueryOptions { CustomSettings = new Dictionary<string, object> { ["max_threads"] = 1 } };
        using (var reader = await bi.Database.Client.ExecuteReaderAsync("SELECT getSetting('priority') AS priority", options: withOwnSettings))
        {
            Assert.True(reader.Read());
            Assert.Equal(1UL, Convert.ToUInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
        }

        // Also after the runner's statements, which send the limits themselves, on every connection of the pool: a
        // statement that sends none (the guard's) runs with what the connection was opened with, not the defaults.
        await Task.WhenAll(Enumerable.Range(0, 2 * BiRunnerFixture.Options.MaxConnections)
            .Select(_ => bi.TextAsync(BiRunnerFixture.Platform, "SELECT count() FROM bi_chats")));
        var plain = await Task.WhenAll(Enumerable.Range(0, 2 * BiRunnerFixture.Options.MaxConnections)
            .Select(_ => bi.Client.Client.ExecuteScalarAsync("SELECT tuple(getSetting('priority'), getSetting('max_threads'), getSetting('max_execution_time'))")));
        Assert.All(plain, settings => Assert.Equal("(10,1,2)", FormattableString.Invariant($"{settings}").Replace(" ", "", StringComparison.Ordinal)));
    }
}
