using System.Diagnostics;
using System.Globalization;
using ClickHouse.Driver;
using ClickHouse.Driver.Compression;
using Microsoft.Extensions.Logging.Abstractions;
using ServiceAnalytics.EmbeddedClickHouse;
using ServiceAnalytics.Server.Ingestion;
using ServiceAnalytics.Storage.Facts;
using ServiceAnalytics.Storage.Migrations;

namespace ServiceAnalytics.Tests.Storage;

/// <summary>What only the embedded transport has to get right: the pool, cancellation, request bodies.</summary>
public sealed class EmbeddedTransportTests(DatabasePerLane databases) : IClassFixture<DatabasePerLane>
{
    private Task<TestDatabase> Database() => databases.For(ClickHouseLane.Embedded, nameof(EmbeddedTransportTests));

    [Fact]
    public async Task Statements_on_separate_pooled_connections_run_in_parallel()
    {
        var db = await Database();
        var pool = db.Store.Engine!.MaxConnections;
        Assert.True(pool >= 2);

        // Each statement sleeps 1 s inside the engine; run one after the other they would take `pool` seconds.
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, pool).Select(_ => db.Client.ExecuteScalarAsync("SELECT sleep(1)")));
        var elapsed = stopwatch.Elapsed;

        Assert.True(elapsed < TimeSpan.FromSeconds(pool - 0.5), $"{pool} one-second statements took {elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task Fact_writes_do_not_wait_for_the_connections_of_queries_that_hold_every_one_they_may_take()
    {
        await using var db = await TestDatabase.CreateAsync(ClickHouseLane.Embedded, "ingestion pool");
        await new SchemaMigrator(db.Store, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var pool = db.Store.Engine!.Pool;
        var sleeps = Enumerable.Range(0, pool.MaxConnections).Select(_ => db.Client.ExecuteScalarAsync("SELECT sleep(3)")).ToArray();
        while (pool.InUse < pool.MaxConnections - pool.ReservedConnections)
        {
            await Task.Delay(10);
        }

        var facts = new FactScenario("shop-pool");
        facts.CustomerAsks("chat-1", DateTime.UtcNow.AddMinutes(-1));
        using var batch = new FactBatch();
        foreach (var fact in facts.Facts)
        {
            FactRows.Add(batch, fact);
        }

        // Written while the queries hold every connection they may take (on them, it would wait for the 3 s sleeps).
        var write = new FactWriter(db.Store).WriteAsync(batch, CancellationToken.None);
        Assert.Same(write, await Task.WhenAny([write, .. sleeps]));
        await write;
        Assert.DoesNotContain(sleeps, sleep => sleep.IsCompleted);
        await Task.WhenAll(sleeps);
        Assert.Equal(1UL, await db.Client.ExecuteScalarAsync("SELECT count() FROM chat_starts WHERE shop_id = 'shop-pool'"));
        Assert.Equal(1UL, await db.Client.ExecuteScalarAsync("SELECT count() FROM chat_messages WHERE shop_id = 'shop-pool'"));
    }

    [Fact]
    public async Task A_rollup_statement_takes_the_connection_kept_for_it_while_queries_hold_the_others()
    {
        var db = await Database();
        var pool = db.Store.Engine!.Pool;
        Assert.Equal(1, pool.ReservedConnections);
        var queries = Enumerable.Range(0, pool.MaxConnections).Select(_ => db.Client.ExecuteScalarAsync("SELECT sleep(3)")).ToArray();
        while (pool.InUse < pool.MaxConnections - pool.ReservedConnections)
        {
            await Task.Delay(10);
        }

        // Without the reserve the run's statement would wait behind the fourth sleep for a connection, 3 s at least.
        var rollup = db.Store.RollupClient.ExecuteScalarAsync("SELECT 42");
        Assert.Same(rollup, await Task.WhenAny([rollup, .. queries]));
        Assert.Equal((byte)42, await rollup);
        Assert.DoesNotContain(queries, query => query.IsCompleted);
        await Task.WhenAll(queries);
    }

    [Fact]
    public async Task A_closed_pool_refuses_further_statements_and_what_it_read_can_be_dropped_at_once()
    {
        var db = await TestDatabase.CreateAsync(ClickHouseLane.Embedded, "closed pool");
        await db.Client.ExecuteNonQueryAsync("CREATE TABLE t (x UInt8) ENGINE = MergeTree ORDER BY x");
        var pool = db.Store.Engine!.OpenPool(1, new Dictionary<string, string> { ["readonly"] = "2" });
        using (var http = new HttpClient(new EmbeddedClickHouseHandler(pool)))
        {
            using var answer = await http.PostAsync($"http://embedded/?database={Uri.EscapeDataString(db.Name)}", new StringContent("SELECT count() FROM t"));
            Assert.Equal("0\n", await answer.Content.ReadAsStringAsync());
        }

        pool.Close();

        var drop = db.Client.ExecuteNonQueryAsync($"DROP DATABASE {SchemaNames.Quote(db.Name)} SYNC", options: ClickHouseStore.InDatabase("default"));
        Assert.Same(drop, await Task.WhenAny(drop, Task.Delay(TimeSpan.FromSeconds(60))));
        await drop;
        using var closed = new HttpClient(new EmbeddedClickHouseHandler(pool));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => closed.PostAsync("http://embedded/", new StringContent("SELECT 1")));
        db.Store.Dispose();
    }

    [Fact]
    public async Task A_cancelled_query_returns_at_once_and_its_connection_comes_back_to_the_pool()
    {
        var db = await Database();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var stopwatch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => db.Client.ExecuteScalarAsync("SELECT sleep(2)", cancellationToken: cancel.Token));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1.5), $"cancellation took {stopwatch.Elapsed.TotalSeconds:F1} s");

        // Every slot of the pool is usable again once the abandoned statement has finished.
        var answers = await Task.WhenAll(Enumerable.Range(0, db.Store.Engine!.MaxConnections + 1).Select(i =>
            db.Client.ExecuteScalarAsync($"SELECT {i}")));
        Assert.Equal(Enumerable.Range(0, answers.Length).Select(i => (byte)i), answers.Select(a => (byte)a!));
    }

    [Fact]
    public async Task A_cancelled_insert_commits_nothing()
    {
        var db = await Database();
        await db.Client.ExecuteNonQueryAsync("CREATE TABLE IF NOT EXISTS cancelled_rows (n UInt64) ENGINE = MergeTree ORDER BY n");
        using var cancel = new CancellationTokenSource();

        // Rows are produced lazily; the token is cancelled while the driver is still streaming the first batch.
        IEnumerable<object[]> Rows()
        {
            for (ulong n = 0; n < 200_000; n++)
            {
                if (n == 150_000)
                {
                    cancel.Cancel();
                }

                yield return [n];
            }
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => db.Client.InsertBinaryAsync(
            "cancelled_rows", ["n"], Rows(), new InsertOptions { BatchSize = 200_000, Compressor = null }, cancel.Token));

        Assert.Equal(0UL, await db.Client.ExecuteScalarAsync("SELECT count() FROM cancelled_rows"));
    }

    public static TheoryData<string> Compressors => ["none", "zstd", "gzip", "br", "lz4"];

    [Theory]
    [MemberData(nameof(Compressors))]
    public async Task Insert_bodies_arrive_whole_in_every_compression_the_driver_uses(string compression)
    {
        var db = await Database();
        IClickHouseCompressor? compressor = compression switch
        {
            "zstd" => ZstdCompressor.Default,
            "gzip" => GZipCompressor.Default,
            "br" => BrotliCompressor.Default,
            "lz4" => Lz4Compressor.Default,
            _ => null,
        };
        var table = $"compressed_{compression}";
        await db.Client.ExecuteNonQueryAsync($"CREATE TABLE {table} (n UInt64, s String) ENGINE = MergeTree ORDER BY n");

        await db.Client.InsertBinaryAsync(table, ["n", "s"], Enumerable.Range(0, 50_000).Select(i => new object[] { (ulong)i, $"row {i}" }),
            new InsertOptions { BatchSize = 20_000, Compressor = compressor });

        using var reader = await db.Client.ExecuteReaderAsync($"SELECT count(), sum(n), sum(length(s)) FROM {table}");
        Assert.True(reader.Read());
        Assert.Equal(50_000UL, reader.GetFieldValue<ulong>(0));
        Assert.Equal(49_999UL * 50_000 / 2, reader.GetFieldValue<ulong>(1));
        Assert.Equal((ulong)Enumerable.Range(0, 50_000).Sum(i => $"row {i}".Length), reader.GetFieldValue<ulong>(2));
    }

    [Fact]
    public async Task The_query_url_parameter_precedes_the_body_as_on_a_server()
    {
        var db = await Database();
        await db.Client.ExecuteNonQueryAsync("CREATE TABLE IF NOT EXISTS via_query_param (n UInt8, s String) ENGINE = MergeTree ORDER BY n");
        using var http = new HttpClient(new EmbeddedClickHouseHandler(db.Store.Engine!));

        var insert = await http.PostAsync(
            $"http://embedded/?database={db.Name}&query={Uri.EscapeDataString("INSERT INTO via_query_param FORMAT TSV")}",
            new StringContent("1\tone\n2\ttwo\n"));
        var select = await http.PostAsync(
            $"http://embedded/?database={db.Name}&default_format=TSV",
            new StringContent("SELECT n, s FROM via_query_param ORDER BY n"));

        Assert.True(insert.IsSuccessStatusCode, await insert.Content.ReadAsStringAsync());
        Assert.Equal("1\tone\n2\ttwo\n", await select.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Failures_carry_clickhouse_error_headers_and_text()
    {
        var db = await Database();
        using var http = new HttpClient(new EmbeddedClickHouseHandler(db.Store.Engine!));

        var response = await http.PostAsync($"http://embedded/?database={db.Name}", new StringContent("SELECT * FROM missing_table"));

        Assert.False(response.IsSuccessStatusCode);
        Assert.Equal("60", response.Headers.GetValues("X-ClickHouse-Exception-Code").Single());
        Assert.StartsWith("Code: 60. DB::Exception:", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_that_does_not_decompress_is_refused_and_nothing_is_inserted()
    {
        var db = await Database();
        await db.Client.ExecuteNonQueryAsync("CREATE TABLE IF NOT EXISTS garbled (n UInt8) ENGINE = MergeTree ORDER BY n");
        using var http = new HttpClient(new EmbeddedClickHouseHandler(db.Store.Engine!));
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("INSERT INTO garbled FORMAT TSV\n1\n"));
        content.Headers.ContentEncoding.Add("zstd");

        var response = await http.PostAsync($"http://embedded/?database={db.Name}", content);

        Assert.False(response.IsSuccessStatusCode);
        Assert.Equal("271", response.Headers.GetValues("X-ClickHouse-Exception-Code").Single());
        Assert.Equal(0UL, await db.Client.ExecuteScalarAsync("SELECT count() FROM garbled"));
    }

    [Fact]
    public async Task Merges_and_mutations_get_a_servers_task_slots_so_a_delete_over_many_parts_does_not_queue()
    {
        var db = await Database();

        // A mutation is one task per part; with the embedded default of 4 slots the fifth part backs off (0.1 s and growing).
        var slots = Convert.ToInt64(await db.Client.ExecuteScalarAsync(
            "SELECT value FROM system.metrics WHERE metric = 'BackgroundMergesAndMutationsPoolSize'"), CultureInfo.InvariantCulture);

        Assert.True(slots >= 32, $"the engine has {slots} merge and mutation task slots");
    }

    [Fact]
    public void A_second_engine_over_another_folder_is_refused_with_the_reason()
    {
        TestEnvironment.EnsureEmbeddedEngine();

        var refusal = Assert.Throws<InvalidOperationException>(
            () => EmbeddedEngine.Open(new EmbeddedEngineOptions { DataPath = Path.Combine(TestEnvironment.RunFolder, "elsewhere") }));
        Assert.Contains("one process holds one engine", refusal.Message, StringComparison.Ordinal);
    }
}
