using ClickHouse.Driver.Utility;

namespace ServiceAnalytics.Benchmarks;

/// <summary>
/// Rows per second of ClickHouse.Driver's <c>InsertBinaryAsync</c> into the embedded engine, for rows shaped like
/// the service's 10-column <c>chat_messages</c> table (the real, migrated table). Rows are generated before the
/// clock starts, so the figure is driver + in-process transport + engine. Target: 400k rows/s on 2 cores, Release.
/// </summary>
internal static class InsertBenchmark
{
    private static readonly string[] s_columns =
        ["shop_id", "chat_id", "event_id", "occurred_at", "message_id", "sender_role", "agent_id", "message_kind", "expects_no_reply", "inserted_at"];

    private static readonly string[] s_roles = ["customer", "agent", "assistant", "system"];
    private static readonly string[] s_kinds = ["text", "image", "product_card", "order_card", "faq_card", "greeting"];

    public static async Task<int> RunAsync(string[] args)
    {
        var rows = BenchmarkEnvironment.IntOption(args, "--rows", 1_000_000);
        var repeat = BenchmarkEnvironment.IntOption(args, "--repeat", 3);
        var parallel = BenchmarkEnvironment.IntOption(args, "--parallel", 2);
        using var store = await BenchmarkEnvironment.OpenMigratedStoreAsync("bench_insert");
        Console.WriteLine($"insert: {rows:N0} rows x {repeat} runs into chat_messages (10 columns), embedded engine {store.Engine!.EngineVersion}, batch 100,000, {parallel} in flight, no compression in process");

        var rates = new List<double>();
        for (var run = 0; run < repeat; run++)
        {
            var data = Generate(rows, run);
            var stopwatch = Stopwatch.StartNew();
            var options = store.CreateInsertOptions(maxDegreeOfParallelism: parallel);
            var inserted = await store.Client.InsertBinaryAsync("chat_messages", s_columns, data, options);
            stopwatch.Stop();
            if (inserted != rows)
            {
                Console.Error.WriteLine($"inserted {inserted} rows, expected {rows}");
                return 1;
            }

            var rate = rows / stopwatch.Elapsed.TotalSeconds;
            rates.Add(rate);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  run {run + 1}: {stopwatch.Elapsed.TotalSeconds:F2} s, {rate:N0} rows/s"));
        }

        var stored = await store.Client.ExecuteScalarAsync("SELECT count() FROM chat_messages");
        rates.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"insert: median {rates[rates.Count / 2]:N0} rows/s, best {rates[^1]:N0} rows/s; rows stored {stored:N0}; peak RSS {BenchmarkEnvironment.PeakMemory()}"));
        return 0;
    }

    private static List<object[]> Generate(int rows, int run)
    {
        var origin = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
        var data = new List<object[]>(rows);
        for (var i = 0; i < rows; i++)
        {
            var chat = i / 12;
            data.Add(
            [
                $"shop-{chat % 1000:D4}",
                $"chat-{run}-{chat:D8}",
                $"evt-{run}-{i:D9}",
                origin.AddMilliseconds(i * 37L),
                $"msg-{run}-{i:D9}",
                s_roles[i % s_roles.Length],
                i % 4 == 1 ? $"agent-{chat % 50:D3}" : "",
                s_kinds[i % s_kinds.Length],
                i % 17 == 0,
                origin.AddMilliseconds((i * 37L) + 250),
            ]);
        }

        return data;
    }
}
