using System.Runtime.InteropServices;
using Google.Protobuf.WellKnownTypes;
using System.Text.RegularExpressions;
using ServiceAnalytics.Contracts.Operations.V1;
using ServiceAnalytics.Contracts.Query.V1;

namespace ServiceAnalytics.Benchmarks;

/// <summary>
/// The service under sustained mixed load, in one process as deployed (the real service, authenticated, with the
/// scheduled rollup and the refreshes running): after <c>--history</c> (100,000) chats of the last 30 days,
/// <c>--producers</c> (4) producers send new chats of <c>--shops</c> (5,000) shops at <c>--rate</c> (30,000) facts/s
/// in batches of 1,000, each waiting for its acknowledgement, and re-send every tenth batch (as after a lost
/// acknowledgement); query callers start <c>--queries</c> (20) requests a second over random shops, RPCs and periods
/// (the last day, week or 30 days); a probe sends a chat of its own shop every 15 s and polls GetOverview until it
/// counts it. For <c>--minutes</c> (10), it prints every minute: the ingest rate, acknowledgement p99, each RPC's p50
/// and p99 (and errors), the queries answered a second and those refused for want of a turn (Query:QueryQueueWait),
/// the snapshot's age, the probe's lag from acknowledgement to answer, the service's RSS, the engine's parts on disk
/// and the service's CPU seconds in the minute; then the targets met or not. Targets: snapshot age ≤ 2 min;
/// GetSlaQueue and GetChat p99 ≤ 200 ms, the other RPCs within the README's; acknowledgement p99 ≤ 2 s; RSS ≤ 1 GiB
/// and flat after warm-up; no errors and no query refused. Service settings (<c>--Section:Key=value</c>) are passed
/// to the service.
/// </summary>
internal static partial class SoakBenchmark
{
    private const int BatchFacts = 1_000;
    private const string ProbeShop = "shop-probe";

    /// <summary>The RPCs' p99 targets (ms): the README's, and 200 ms for those that read the facts.</summary>
    private static readonly Dictionary<string, double> s_targets = new(StringComparer.Ordinal)
    {
        ["GetOverview"] = 50, ["ListChats"] = 100, ["GetAgentDetails"] = 100, ["GetDailyTrends"] = 100, ["GetStatusBreakdown"] = 100,
        ["GetSlaQueue"] = 200, ["GetChat"] = 200,
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var minutes = BenchmarkEnvironment.IntOption(args, "--minutes", 10);
        var rate = BenchmarkEnvironment.IntOption(args, "--rate", 30_000);
        var shops = BenchmarkEnvironment.IntOption(args, "--shops", 5_000);
        var queries = BenchmarkEnvironment.IntOption(args, "--queries", 20);
        var producers = BenchmarkEnvironment.IntOption(args, "--producers", 4);
        var history = BenchmarkEnvironment.IntOption(args, "--history", 100_000);
        var settings = BenchmarkEnvironment.ServiceSettings(args);
        Console.WriteLine($"soak: {minutes} min, {rate:N0} facts/s over {shops:N0} shops by {producers} producers, {queries} queries/s, after {history:N0} chats of history; rollups and telemetry on, service settings {BenchmarkEnvironment.Describe(settings)}");
        var dataPath = BenchmarkEnvironment.FreshScratchFolder($"soak-{Environment.ProcessId}");
        var failed = false;
        await ServiceProcess.RunAsync(dataPath, rollups: true, async (channel, web, process) =>
        {
            var ingestion = new IngestionService.IngestionServiceClient(channel);
            var clock = Stopwatch.StartNew();
            foreach (var batch in Chats(0, history, shops, DateTime.UtcNow.AddDays(-30), TimeSpan.FromDays(30)).Chunk(10_000))
            {
                await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { batch } });
            }

            var waited = await ServiceProcess.WaitForSnapshotAsync(channel);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"soak: history ingested in {clock.Elapsed.TotalSeconds - waited.TotalSeconds:F0} s, first snapshot {waited.TotalSeconds:F0} s later"));

            var samples = new Samples();
            using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(minutes));
            var nextChat = history;
            var work = new List<Task>();
            for (var p = 0; p < producers; p++)
            {
                work.Add(ProduceAsync(ingestion, samples, (double)rate / producers, () => Interlocked.Add(ref nextChat, 1) - 1, shops, stop.Token));
            }

            var analytics = new AnalyticsService.AnalyticsServiceClient(channel);
            work.Add(QueryAsync(analytics, samples, queries, history, shops, stop.Token));
            work.Add(ProbeAsync(ingestion, analytics, samples, stop.Token));
            var verdict = new Verdict();
            work.Add(ReportAsync(new OperationsService.OperationsServiceClient(channel), samples, process, dataPath, verdict, stop.Token));
            await Task.WhenAll(work);
            failed = !verdict.Print();
        }, settings);
        return failed ? 1 : 0;
    }

    /// <summary>Chats <paramref name="first"/>.. (count <paramref name="count"/>) over the shops, started over <paramref name="spread"/> from <paramref name="from"/>; facts not yet occurred left out.</summary>
    private static IEnumerable<Fact> Chats(int first, int count, int shops, DateTime from, TimeSpan spread)
    {
        var now = Timestamp.FromDateTime(DateTime.UtcNow);
        return Enumerable.Range(first, count)
            .SelectMany(n => MetricsBenchmark.ChatFacts(ShopOf(n, shops), n, from.AddTicks(spread.Ticks / Math.Max(1, count) * (n - first))))
            .Where(fact => fact.OccurredAt <= now);
    }

    private static string ShopOf(int chat, int shops) => $"shop-{chat % shops:D5}";

    /// <summary>
    /// One producer: batches of <see cref="BatchFacts"/> facts of new chats (begun up to an hour ago, their facts so
    /// far), sent at <paramref name="factsPerSecond"/>, each acknowledged before the next; every tenth sent twice.
    /// </summary>
    private static async Task ProduceAsync(
        IngestionService.IngestionServiceClient client, Samples samples, double factsPerSecond, Func<int> nextChat, int shops, CancellationToken stop)
    {
        var started = Stopwatch.StartNew();
        long sent = 0;
        var pending = new List<Fact>();
        for (var batch = 0; !stop.IsCancellationRequested; batch++)
        {
            while (pending.Count < BatchFacts)
            {
                pending.AddRange(Chats(nextChat(), 1, shops, DateTime.UtcNow.AddMinutes(-Random.Shared.Next(1, 60)), TimeSpan.Zero));
            }

            var facts = pending.Take(BatchFacts).ToArray();
            pending.RemoveRange(0, facts.Length);
            foreach (var attempt in batch % 10 == 9 ? new[] { "sent", "re-sent" } : ["sent"])
            {
                var call = Stopwatch.StartNew();
                try
                {
                    var outcome = (await client.IngestBatchAsync(new IngestBatchRequest { Facts = { facts } }, cancellationToken: stop)).Outcome;
                    samples.Add("ack", call.Elapsed.TotalMilliseconds, outcome.Rejected.Count == 0);
                }
                catch (RpcException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (RpcException error)
                {
                    samples.Add("ack", call.Elapsed.TotalMilliseconds, ok: false, error.StatusCode.ToString());
                }
            }

            sent += facts.Length;
            samples.Count("facts", facts.Length);
            if (TimeSpan.FromSeconds(sent / factsPerSecond) - started.Elapsed is { Ticks: > 0 } ahead)
            {
                await Delay(ahead, stop);
            }
        }
    }

    /// <summary>Starts <paramref name="perSecond"/> requests a second, not waiting for earlier ones: a random history chat's shop, RPC and period.</summary>
    private static async Task QueryAsync(AnalyticsService.AnalyticsServiceClient client, Samples samples, int perSecond, int history, int shops, CancellationToken stop)
    {
        var inFlight = new List<Task>();
        var started = Stopwatch.StartNew();
        for (long n = 0; !stop.IsCancellationRequested; n++)
        {
            var chat = Random.Shared.Next(0, history);
            var shop = ShopOf(chat, shops);
            var today = DateOnly.FromDateTime(DateTime.UtcNow);
            var first = Iso(today.AddDays(-new[] { 0, 6, 29 }[Random.Shared.Next(3)]));
            var last = Iso(today);
            inFlight.Add((n % 7) switch
            {
                0 => TimeAsync("GetOverview", () => client.GetOverviewAsync(new GetOverviewRequest { ShopId = shop, FirstDay = first, LastDay = last }).ResponseAsync),
                1 => TimeAsync("ListChats", () => client.ListChatsAsync(new ListChatsRequest { ShopId = shop, FirstDay = first, LastDay = last, PageSize = 50 }).ResponseAsync),
                2 => TimeAsync("GetAgentDetails", () => client.GetAgentDetailsAsync(new GetAgentDetailsRequest { ShopId = shop, FirstDay = first, LastDay = last }).ResponseAsync),
                3 => TimeAsync("GetDailyTrends", () => client.GetDailyTrendsAsync(new GetDailyTrendsRequest { ShopId = shop, FirstDay = first, LastDay = last }).ResponseAsync),
                4 => TimeAsync("GetStatusBreakdown", () => client.GetStatusBreakdownAsync(new GetStatusBreakdownRequest { ShopId = shop, FirstDay = first, LastDay = last }).ResponseAsync),
                5 => TimeAsync("GetSlaQueue", () => client.GetSlaQueueAsync(new GetSlaQueueRequest { ShopId = shop, Limit = 50 }).ResponseAsync),
                _ => TimeAsync("GetChat", () => client.GetChatAsync(new GetChatRequest { ShopId = shop, ChatId = $"chat-{chat:D8}" }).ResponseAsync),
            });
            inFlight.RemoveAll(task => task.IsCompleted);
            if (TimeSpan.FromSeconds((n + 1.0) / perSecond) - started.Elapsed is { Ticks: > 0 } ahead)
            {
                await Delay(ahead, stop);
            }
        }

        await Task.WhenAll(inFlight);

        async Task TimeAsync(string rpc, Func<Task> call)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                await call();
                samples.Add(rpc, clock.Elapsed.TotalMilliseconds, ok: true);
                samples.Count("answered", 1);
            }
            catch (RpcException error) when (error.StatusCode == StatusCode.ResourceExhausted)
            {
                // Refused for want of a turn (Query:QueryQueueWait): counted apart from the answers' latencies.
                samples.Count("refused", 1);
            }
            catch (RpcException error)
            {
                samples.Add(rpc, clock.Elapsed.TotalMilliseconds, ok: false, error.StatusCode.ToString());
            }
        }
    }

    /// <summary>
    /// Every 15 s, a new chat of <see cref="ProbeShop"/>; once acknowledged, GetOverview of today is polled each
    /// second until it counts the chat: the lag from a fact's arrival to its appearance in answers.
    /// </summary>
    private static async Task ProbeAsync(
        IngestionService.IngestionServiceClient ingestion, AnalyticsService.AnalyticsServiceClient analytics, Samples samples, CancellationToken stop)
    {
        var sentOn = new List<DateOnly>();
        for (var probe = 0; !stop.IsCancellationRequested; probe++)
        {
            var next = Stopwatch.StartNew();
            var now = DateTime.UtcNow;
            var chat = $"probe-{probe}";
            Fact New() => new() { ShopId = ProbeShop, EventId = $"{chat}-{Guid.NewGuid():N}", OccurredAt = Timestamp.FromDateTime(now) };
            var started = New();
            started.ChatStarted = new ChatStarted { ChatId = chat, CustomerId = chat, EntryPoint = EntryPoint.ProductPage, Initiator = ChatInitiator.Customer };
            var message = New();
            message.MessageSent = new MessageSent { ChatId = chat, MessageId = chat, SenderRole = SenderRole.Customer, Kind = MessageKind.Text };
            try
            {
                await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { started, message } }, cancellationToken: stop);
                var acknowledged = Stopwatch.StartNew();
                sentOn.Add(DateOnly.FromDateTime(now));
                var ofTheDay = sentOn.Count(day => day == DateOnly.FromDateTime(now));
                var day = Iso(DateOnly.FromDateTime(now));
                while (!stop.IsCancellationRequested && await CountedAsync(day) < ofTheDay)
                {
                    await Delay(TimeSpan.FromSeconds(1), stop);
                }

                if (!stop.IsCancellationRequested)
                {
                    samples.Add("lag", acknowledged.Elapsed.TotalMilliseconds, ok: true);
                }
            }
            catch (RpcException) when (stop.IsCancellationRequested)
            {
                return;
            }

            await Delay(TimeSpan.FromSeconds(15) - next.Elapsed, stop);
        }

        // The chats the probe's shop received on the day, or -1 while its overview is refused for want of a turn.
        async Task<long> CountedAsync(string day)
        {
            try
            {
                return (await analytics.GetOverviewAsync(new GetOverviewRequest { ShopId = ProbeShop, FirstDay = day, LastDay = day }, cancellationToken: stop)).Current.ChatsReceived;
            }
            catch (RpcException error) when (error.StatusCode == StatusCode.ResourceExhausted)
            {
                return -1;
            }
        }
    }

    /// <summary>Each minute: the minute's figures, checked against the targets.</summary>
    private static async Task ReportAsync(
        OperationsService.OperationsServiceClient operations, Samples samples, Process process, string dataPath, Verdict verdict, CancellationToken stop)
    {
        Console.WriteLine("soak: min | facts/s | ack p99 ms | answered/s (refused in the minute) | query p50/p99 ms by RPC (errors) | snapshot age s | lag s (max) | RSS MiB | parts | service CPU s");
        var cpuBefore = process.TotalProcessorTime;
        for (var minute = 1; !stop.IsCancellationRequested; minute++)
        {
            await Delay(TimeSpan.FromMinutes(1), stop);
            process.Refresh();
            var cpu = process.TotalProcessorTime - cpuBefore;
            cpuBefore += cpu;
            var window = samples.Take();
            var status = await operations.GetRollupStatusAsync(new GetRollupStatusRequest());
            var age = status.SnapshotAsOf is { } asOf ? (DateTime.UtcNow - asOf.ToDateTime()).TotalSeconds : double.NaN;
            var rss = ServiceProcess.Rss(process.Id, "VmRSS:") / (1024.0 * 1024.0);
            var parts = PartsOnDisk(dataPath);
            var rpcs = string.Join(", ", s_targets.Keys.Select(rpc =>
                string.Create(CultureInfo.InvariantCulture, $"{rpc} {window.P50(rpc):F0}/{window.P99(rpc):F0}{(window.Errors(rpc) is > 0 and var e ? $" ({e})" : "")}")));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"soak: {minute,3} | {window.Total("facts") / window.Seconds,7:N0} | {window.P99("ack"),6:F0}{(window.Errors("ack") is > 0 and var a ? $" ({a} errors)" : "")} | {window.Total("answered") / window.Seconds,4:F1} ({window.Total("refused")}) | {rpcs} | {age,5:F0} | {window.Max("lag") / 1000,5:F0} | {rss,5:F0} | {parts} | {cpu.TotalSeconds:F0}"));
            verdict.Minute(minute, window, age, rss);
        }
    }

    /// <summary>The data parts on disk under the engine's folder (active, and merged ones not yet removed).</summary>
    private static int PartsOnDisk(string dataPath) =>
        Directory.EnumerateDirectories(dataPath, "*", SearchOption.AllDirectories).Count(path => PartName().IsMatch(Path.GetFileName(path)));

    [GeneratedRegex(@"^(all|\d+)_\d+_\d+_\d+(_\d+)?$")]
    private static partial Regex PartName();

    private static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static async Task Delay(TimeSpan wait, CancellationToken stop)
    {
        try
        {
            await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, stop);
        }
        catch (OperationCanceledException)
        {
            // The soak is over.
        }
    }

    /// <summary>Latencies and counts by name, collected for the current minute.</summary>
    private sealed class Samples
    {
        private readonly Lock _gate = new();
        private Window _current = new();

        public void Add(string name, double milliseconds, bool ok, string? error = null)
        {
            lock (_gate)
            {
                _current.Add(name, milliseconds, ok, error);
            }
        }

        public void Count(string name, long count)
        {
            lock (_gate)
            {
                _current.Count(name, count);
            }
        }

        /// <summary>The minute's samples; the next minute starts empty.</summary>
        public Window Take()
        {
            lock (_gate)
            {
                var window = _current;
                _current = new Window();
                return window;
            }
        }
    }

    /// <summary>One minute's samples.</summary>
    private sealed class Window
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly Dictionary<string, List<double>> _latencies = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _errors = new(StringComparer.Ordinal);

        public double Seconds => _clock.Elapsed.TotalSeconds;

        public IEnumerable<string> ErrorKinds => _errors.Keys;

        public void Add(string name, double milliseconds, bool ok, string? error)
        {
            (CollectionsMarshal.GetValueRefOrAddDefault(_latencies, name, out _) ??= []).Add(milliseconds);
            if (!ok)
            {
                CollectionsMarshal.GetValueRefOrAddDefault(_errors, name, out _)++;
                Console.Error.WriteLine($"  soak: {name} failed: {error ?? "rejected facts"}");
            }
        }

        public void Count(string name, long count) => CollectionsMarshal.GetValueRefOrAddDefault(_counts, name, out _) += count;

        public long Total(string name) => _counts.GetValueOrDefault(name);

        public int Errors(string name) => _errors.GetValueOrDefault(name);

        public double P50(string name) => Percentile(name, 0.50);

        public double P99(string name) => Percentile(name, 0.99);

        private double Percentile(string name, double rank) => _latencies.TryGetValue(name, out var values) && values.Count > 0
            ? values.Order().ElementAt(Math.Min(values.Count - 1, (int)Math.Ceiling(rank * values.Count) - 1))
            : double.NaN;

        public double Max(string name) => _latencies.TryGetValue(name, out var values) && values.Count > 0 ? values.Max() : double.NaN;
    }

    /// <summary>The targets, checked minute by minute (the first minute is warm-up for the RSS's flatness).</summary>
    private sealed class Verdict
    {
        private readonly List<string> _missed = [];
        private double _rssAfterWarmUp = double.NaN;
        private double _rssPeak;

        public void Minute(int minute, Window window, double snapshotAge, double rss)
        {
            void Check(bool met, string what)
            {
                if (!met)
                {
                    _missed.Add($"minute {minute}: {what}");
                }
            }

            Check(snapshotAge <= 120, string.Create(CultureInfo.InvariantCulture, $"snapshot age {snapshotAge:F0} s > 120"));
            Check(!(window.P99("ack") > 2_000), string.Create(CultureInfo.InvariantCulture, $"acknowledgement p99 {window.P99("ack"):F0} ms > 2,000"));
            foreach (var (rpc, target) in s_targets)
            {
                Check(!(window.P99(rpc) > target), string.Create(CultureInfo.InvariantCulture, $"{rpc} p99 {window.P99(rpc):F0} ms > {target}"));
            }

            Check(window.Total("refused") == 0, $"{window.Total("refused")} queries refused for want of a turn");
            foreach (var name in window.ErrorKinds)
            {
                Check(false, $"{window.Errors(name)} {name} errors");
            }

            Check(rss <= 1024, string.Create(CultureInfo.InvariantCulture, $"RSS {rss:F0} MiB > 1,024"));
            _rssAfterWarmUp = minute == 1 ? rss : _rssAfterWarmUp;
            _rssPeak = Math.Max(_rssPeak, rss);
        }

        /// <summary>Prints what was met and what not; whether everything was.</summary>
        public bool Print()
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"soak: RSS after the first minute {_rssAfterWarmUp:F0} MiB, peak {_rssPeak:F0} MiB (growth {_rssPeak - _rssAfterWarmUp:F0} MiB)"));
            Console.WriteLine(_missed.Count == 0 ? "soak: every target met" : $"soak: {_missed.Count} targets missed:\n  " + string.Join("\n  ", _missed));
            return _missed.Count == 0;
        }
    }
}
