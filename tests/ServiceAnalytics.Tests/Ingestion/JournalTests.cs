using ServiceAnalytics.Server.Ingestion;
using ServiceAnalytics.Storage.Facts;

namespace ServiceAnalytics.Tests.Ingestion;

/// <summary>
/// Acknowledging once a batch is journaled (the embedded default, docs/ingestion.md "The journal"): what is
/// acknowledged survives a store that refuses writes and a service that stops before ClickHouse took it, is stored
/// exactly once, and is counted by every answer read after its acknowledgement.
/// </summary>
public sealed class JournalTests
{
    [Fact]
    public async Task A_batch_acknowledged_while_the_store_refuses_writes_is_committed_once_the_store_is_back_without_a_resend()
    {
        await using var host = await ServiceHost.StartReadyAsync(new Dictionary<string, string?>
        {
            ["Ingestion:RetryDelay"] = "00:00:00.200",
            ["Ingestion:VisibilityWait"] = "00:00:01",
        });
        var client = new IngestionService.IngestionServiceClient(host.Channel);
        var scenario = FactScenario.Synthetic($"shop-{Guid.NewGuid():N}", chats: 300, seed: 21);
        var batches = scenario.Facts.Chunk(500).ToList();
        using var probe = StoreProbe.For(host);
        var visibility = host.App.Services.GetRequiredService<FactVisibility>();

        await client.IngestBatchAsync(new IngestBatchRequest { Facts = { batches[0] } });
        await probe.Store.Client.ExecuteNonQueryAsync("DETACH TABLE chat_messages");
        try
        {
            // Acknowledged although ClickHouse cannot take the messages: the journal holds them.
            foreach (var batch in batches.Skip(1))
            {
                var response = await client.IngestBatchAsync(new IngestBatchRequest { Facts = { batch } });
                Assert.Equal(batch.Length, response.Outcome.AcceptedCount);
            }

            Assert.True(visibility.Uncommitted > 0);
            // A read as of now waits up to VisibilityWait for them, then answers without (logged).
            var waited = System.Diagnostics.Stopwatch.StartNew();
            await visibility.WaitForAcknowledgedAsync(FactScope.All, CancellationToken.None);
            Assert.InRange(waited.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(30));
        }
        finally
        {
            await probe.Store.Client.ExecuteNonQueryAsync("ATTACH TABLE chat_messages");
        }

        // The writer retries on its own; every read after the acknowledgements counts every fact, once.
        Assert.Equal(scenario.Expected(), await probe.ReadAsync(scenario.ShopId));
        Assert.Equal(0, visibility.Uncommitted);
    }

    [Fact]
    public async Task Batches_a_stopped_instance_left_in_its_journal_are_committed_by_the_next_start_once_and_its_folder_goes()
    {
        var database = TestEnvironment.UniqueDatabaseName("journal");
        var settings = new Dictionary<string, string?>
        {
            ["ClickHouse:Database"] = database,
            ["Ingestion:RetryDelay"] = "00:00:00.200",
            ["Ingestion:VisibilityWait"] = "00:00:00",
        };
        var scenario = FactScenario.Synthetic($"shop-{Guid.NewGuid():N}", chats: 400, seed: 22);
        var journalFolder = Path.Combine(Path.GetDirectoryName(TestEnvironment.EmbeddedDataPath)!, "ingest-journal", database);

        var first = await ServiceHost.StartReadyAsync(settings);
        string left;
        using (var store = TestEnvironment.CreateStore(TestEnvironment.Options(ClickHouseLane.Embedded, database)))
        {
            await store.Client.ExecuteNonQueryAsync("DETACH TABLE chat_events");
            try
            {
                var client = new IngestionService.IngestionServiceClient(first.Channel);
                foreach (var batch in scenario.Facts.Chunk(700))
                {
                    var response = await client.IngestBatchAsync(new IngestBatchRequest { Facts = { batch } });
                    Assert.Equal(batch.Length, response.Outcome.AcceptedCount);
                }

                // Stopped while ClickHouse still refuses: the acknowledged batches stay journaled.
                await first.DisposeAsync();
                left = Assert.Single(Directory.GetDirectories(journalFolder));
                Assert.NotEmpty(Directory.GetFiles(left, "*.log"));
            }
            finally
            {
                await store.Client.ExecuteNonQueryAsync("ATTACH TABLE chat_events");
            }
        }

        await using var second = await ServiceHost.StartReadyAsync(settings);
        using var probe = StoreProbe.For(second);
        // The start took the stopped instance's records over (and fsynced them into its own journal) before serving.
        var visibility = second.App.Services.GetRequiredService<FactVisibility>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (visibility.Uncommitted > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(scenario.Expected(), await probe.ReadAsync(scenario.ShopId));
        // Every event stored once although every table but chat_events had taken its rows before the stop; the stopped
        // instance's folder is gone, the running one's is its own.
        Assert.NotEqual(left, Assert.Single(Directory.GetDirectories(journalFolder)));
    }

    [Fact]
    public void A_record_cut_short_or_damaged_by_a_crash_ends_the_reading_and_what_was_before_it_is_taken_over()
    {
        var root = Path.Combine(TestEnvironment.RunFolder, $"journal-{Guid.NewGuid():N}");
        var shop = $"shop-{Guid.NewGuid():N}";
        var scenario = FactScenario.Synthetic(shop, chats: 30, seed: 23);
        var parts = scenario.Facts.Chunk(scenario.Facts.Count / 3 + 1).Select(Rows).ToList();
        var written = parts.ConvertAll(b => (b.RowCount, b.Touched.Count, Bytes(b)));

        // A crash: the instance's lock goes with its process, its folder stays (a disposed journal with records keeps it).
        var crashed = IngestionJournal.Open(root, "db");
        Assert.Equal([1L, 2L, 3L], crashed.Append(parts));
        crashed.Dispose();
        var segment = Assert.Single(Directory.GetFiles(crashed.Folder, "*.log"));
        using (var file = new FileStream(segment, FileMode.Open))
        {
            file.SetLength(file.Length - 3);
        }

        using (var survivor = IngestionJournal.Open(root, "db"))
        {
            var adopted = survivor.AdoptOrphans();
            Assert.Equal(written.Take(2), adopted.Select(a => (a.Batch.RowCount, a.Batch.Touched.Count, Bytes(a.Batch))));
            Assert.False(Directory.Exists(crashed.Folder));
            // A live instance's journal is never taken: its lock is held.
            using var other = IngestionJournal.Open(root, "db");
            Assert.Empty(other.AdoptOrphans());
            Assert.True(Directory.Exists(survivor.Folder));
            Assert.Equal(2, survivor.Outstanding);
            survivor.Release(adopted.Select(a => a.Sequence));
            Assert.Equal(0, survivor.Outstanding);

            // Damaged in the middle: the first record is taken, the rest of its segment is not trusted.
            var damaged = IngestionJournal.Open(root, "db2");
            damaged.Append(parts);
            damaged.Dispose();
            var damagedSegment = Assert.Single(Directory.GetFiles(damaged.Folder, "*.log"));
            var bytes = File.ReadAllBytes(damagedSegment);
            var secondRecord = 8 + BitConverter.ToInt32(bytes, 0);
            bytes[secondRecord + 8 + 5] ^= 0xFF;
            File.WriteAllBytes(damagedSegment, bytes);
            using var reader = IngestionJournal.Open(root, "db2");
            Assert.Equal(written.Take(1), reader.AdoptOrphans().Select(a => (a.Batch.RowCount, a.Batch.Touched.Count, Bytes(a.Batch))));
        }

        Assert.Empty(Directory.GetDirectories(Path.Combine(root, "db")));
    }

    /// <summary>The rows the service would write for these facts (each valid, each once).</summary>
    private static FactBatch Rows(IEnumerable<Fact> facts)
    {
        var batch = new FactBatch();
        foreach (var fact in facts)
        {
            FactRows.Add(batch, fact);
        }

        return batch;
    }

    private static string Bytes(FactBatch batch) => string.Join(
        "|", batch.NonEmptyTables.Select(t =>
        {
            using var stream = t.Rows.OpenRead();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return t.Table.Name + ":" + Convert.ToHexString(copy.ToArray());
        }));
}
