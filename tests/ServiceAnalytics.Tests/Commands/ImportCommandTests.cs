using Google.Protobuf.WellKnownTypes;
using ServiceAnalytics.Server.Commands;

namespace ServiceAnalytics.Tests.Commands;

/// <summary>
/// The <c>import</c> command run in process (<see cref="ImportCommand.RunAsync"/>) on NDJSON files: into a database of
/// its own on the test process's engine (the service stopped), or through a running service over gRPC.
/// </summary>
public sealed class ImportCommandTests : IAsyncDisposable
{
    private static readonly string[] s_tables = ["chat_starts", "chat_messages", "chat_events"];

    private readonly string _folder = Directory.CreateDirectory(Path.Combine(TestEnvironment.RunFolder, $"import-{Guid.NewGuid():N}")).FullName;
    private readonly string _database = TestEnvironment.UniqueDatabaseName("import");
    private readonly DateTime _start = DateTime.UtcNow.AddDays(-2);

    private string[] StoreSettings(params string[] more) =>
        [$"--ClickHouse:Database={_database}", $"--ClickHouse:Embedded:DataPath={TestEnvironment.EmbeddedDataPath}", "--Logging:LogLevel:Default=Warning", .. more];

    [Fact]
    public async Task Valid_invalid_and_repeated_lines_store_each_fact_once_and_list_each_rejected_line_with_its_number_and_reason()
    {
        var valid = Chats(0, 10);                                   // 30 facts: lines 1-30
        List<string> lines = [.. valid.Select(Json)];
        lines.Insert(3, "{\"eventId\":\"broken\",");                // line 4: malformed JSON
        lines.Insert(7, "{\"eventId\":\"x\",\"colour\":\"red\"}");  // line 8: unknown field
        lines.Insert(11, Json(Rated("rated-9", "chat-0000", 9)));   // line 12: the validator refuses 9 stars
        lines.Insert(15, "");                                       // line 16: blank, skipped
        lines.Insert(20, Json(new Fact { EventId = "no-time", ShopId = "shop-import", ChatEnded = new ChatEnded { ChatId = "c" } })); // line 21
        lines.Add(lines[0]);                                        // line 36: the first fact again
        lines.Add(Json(valid[5]));                                  // line 37: the sixth again
        var input = await WriteAsync("facts.ndjson", lines);

        var (exit, output, error) = await RunAsync(new ImportRequest(input, BatchSize: 4), StoreSettings());
        Assert.True(exit == ImportCommand.ExitRejectedLines, $"exit {exit}: {output} {error}");
        Assert.Contains("36 lines: 32 facts accepted (2 repeating an earlier line's shop and event id, stored once), 4 lines rejected (2 malformed, 2 refused by validation)", output, StringComparison.Ordinal);

        var rejected = ReadRejects(input + ".rejects.ndjson");
        Assert.Equal([4, 8, 12, 21], rejected.Select(r => r.Line));
        Assert.Null(rejected[0].Field);
        Assert.StartsWith("not a Fact in the proto3 JSON mapping", rejected[0].Reason, StringComparison.Ordinal);
        Assert.Equal(lines[3], rejected[0].Text);
        Assert.Null(rejected[1].Field);
        Assert.Contains("colour", rejected[1].Reason, StringComparison.Ordinal);
        Assert.Equal(("chat_rated.stars", "must be 1 to 5, got 9", "rated-9"), (rejected[2].Field, rejected[2].Reason, rejected[2].EventId));
        Assert.Equal(("occurred_at", "is required", "no-time"), (rejected[3].Field, rejected[3].Reason, rejected[3].EventId));
        Assert.Equal(Expected(valid), await CountsAsync());

        // Done: a re-run finds nothing left; --from-start sends every line again, and nothing is stored twice.
        (exit, output, _) = await RunAsync(new ImportRequest(input, BatchSize: 4), StoreSettings());
        Assert.Equal(0, exit);
        Assert.Contains("nothing left to import", output, StringComparison.Ordinal);
        (exit, _, _) = await RunAsync(new ImportRequest(input, BatchSize: 4, FromStart: true), StoreSettings());
        Assert.Equal(ImportCommand.ExitRejectedLines, exit);
        Assert.Equal([4, 8, 12, 21], ReadRejects(input + ".rejects.ndjson").Select(r => r.Line));
        Assert.Equal(Expected(valid), await CountsAsync());
    }

    [Fact]
    public async Task An_interrupted_import_resumes_after_its_last_acknowledged_batch_and_stores_each_fact_once()
    {
        var facts = Chats(0, 1000);
        var input = await WriteAsync("facts.ndjson", [.. facts.Select(Json)]);
        var state = input + ".import-state";
        // One insert per batch of 10 lines: hundreds of batches, so the run is interrupted well before its end.
        var settings = StoreSettings("--Ingestion:FlushRows=1", "--Ingestion:FlushInterval=00:00:00");
        using var interrupt = new CancellationTokenSource();
        var first = RunAsync(new ImportRequest(input, BatchSize: 10, InFlight: 2), settings, interrupt.Token);
        while (!first.IsCompleted && (await ReadStateLineAsync(state) ?? 0) < 300)
        {
            await Task.Delay(5);
        }

        await interrupt.CancelAsync();
        var (exit, _, error) = await first;
        Assert.True(exit == ImportCommand.ExitInterrupted, $"exit {exit}: {error}");
        Assert.Contains("interrupted; re-run the same command to resume", error, StringComparison.Ordinal);
        var recorded = await ReadStateLineAsync(state) ?? 0;
        Assert.InRange(recorded, 300, facts.Count - 1);
        Assert.Equal(0, recorded % 10);
        var stored = (await CountsAsync()).Values.Sum();
        Assert.InRange(stored, recorded, facts.Count - 1);

        // The re-run sends the lines after the recorded one, some of which the interrupted run had stored.
        var (resumed, output, _) = await RunAsync(new ImportRequest(input, BatchSize: 10), settings);
        Assert.Equal(0, resumed);
        Assert.Contains($"resuming after line {recorded:N0}", output, StringComparison.Ordinal);
        Assert.Contains($"{facts.Count - recorded:N0} lines: {facts.Count - recorded:N0} facts accepted, 0 lines rejected", output, StringComparison.Ordinal);
        Assert.Equal(Expected(facts), await CountsAsync());
        Assert.Equal(facts.Count, await ReadStateLineAsync(state));
        Assert.False(File.Exists(input + ".rejects.ndjson"));
    }

    [Fact]
    public async Task Standard_input_is_imported_and_not_resumable()
    {
        var facts = Chats(0, 5);
        var stdin = new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', facts.Select(Json).Append("nonsense"))));
        var rejects = Path.Combine(_folder, "stdin.rejects.ndjson");
        var (exit, output, _) = await RunAsync(new ImportRequest("-", Rejects: rejects), StoreSettings(), standardInput: stdin);
        Assert.Equal(ImportCommand.ExitRejectedLines, exit);
        Assert.Contains("standard input from the first line", output, StringComparison.Ordinal);
        Assert.Equal([16], ReadRejects(rejects).Select(r => r.Line));
        Assert.Equal(Expected(facts), await CountsAsync());
        Assert.Empty(Directory.GetFiles(_folder, "*.import-state"));

        (exit, _, var error) = await RunAsync(new ImportRequest("-", State: Path.Combine(_folder, "s")), StoreSettings(), standardInput: new MemoryStream());
        Assert.Equal(ServiceCommandLine.ExitUsage, exit);
        Assert.Contains("standard input cannot be resumed", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_state_recorded_for_one_destination_is_not_resumed_into_another()
    {
        var input = await WriteAsync("facts.ndjson", [.. Chats(0, 5).Select(Json)]);
        Assert.Equal(0, (await RunAsync(new ImportRequest(input), StoreSettings())).Exit);

        // The same file into another database: the state says every line went, but not there.
        var other = TestEnvironment.UniqueDatabaseName("import_other");
        try
        {
            var (exit, output, error) = await RunAsync(new ImportRequest(input), StoreSettings($"--ClickHouse:Database={other}"));
            Assert.True(exit == ServiceCommandLine.ExitFailed, $"exit {exit}: {output} {error}");
            Assert.Contains($"was recorded importing into the store (database {_database}", error, StringComparison.Ordinal);
            Assert.Contains("--from-start", error, StringComparison.Ordinal);

            (exit, _, _) = await RunAsync(new ImportRequest(input, FromStart: true), StoreSettings($"--ClickHouse:Database={other}"));
            Assert.Equal(0, exit);
        }
        finally
        {
            using var store = TestEnvironment.CreateStore(TestEnvironment.Options(ClickHouseLane.Embedded, "default"));
            await store.Client.ExecuteNonQueryAsync($"DROP DATABASE IF EXISTS {SchemaNames.Quote(other)}");
        }
    }

    [Fact]
    public async Task A_missing_file_fails_with_exit_code_1_naming_it()
    {
        var missing = Path.Combine(_folder, "nowhere.ndjson");
        var (exit, _, error) = await RunAsync(new ImportRequest(missing), StoreSettings());
        Assert.Equal(ServiceCommandLine.ExitFailed, exit);
        Assert.Contains($"import: cannot read {missing}", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Through_the_running_service_facts_are_stored_with_a_valid_key_and_a_wrong_key_is_refused_with_exit_code_1()
    {
        await using var host = await ServiceHost.StartReadyAsync();
        var facts = Chats(0, 20);
        var input = await WriteAsync("facts.ndjson", [.. facts.Select(Json), Json(Rated("rated-0", "chat-0000", 0))]);
        var service = host.Address;

        var wrongKey = await WriteAsync("wrong-key", ["not-a-key"]);
        var (exit, _, error) = await RunAsync(new ImportRequest(input, service, wrongKey, BatchSize: 25), []);
        Assert.Equal(ServiceCommandLine.ExitFailed, exit);
        Assert.Contains($"The service at {service} refused the API key (UNAUTHENTICATED", error, StringComparison.Ordinal);
        Assert.False(File.Exists(input + ".import-state"));

        var key = await WriteAsync("key", [ServiceHost.TestKey]);
        (exit, var output, error) = await RunAsync(new ImportRequest(input, service, key, BatchSize: 25), []);
        Assert.True(exit == ImportCommand.ExitRejectedLines, $"exit {exit}: {output} {error}");
        Assert.Contains($"into the service at {service}", output, StringComparison.Ordinal);
        Assert.Contains("61 lines: 60 facts accepted, 1 lines rejected (0 malformed, 1 refused by validation)", output, StringComparison.Ordinal);
        var rejected = Assert.Single(ReadRejects(input + ".rejects.ndjson"));
        Assert.Equal((61L, "chat_rated.stars", "must be 1 to 5, got 0"), (rejected.Line, rejected.Field, rejected.Reason));
        Assert.Equal(Expected(facts), await CommittedCountsAsync(host));
    }

    [Fact]
    public async Task An_import_through_the_service_interrupted_and_resumed_stores_each_fact_once()
    {
        await using var host = await ServiceHost.StartReadyAsync(new Dictionary<string, string?> { ["Ingestion:FlushRows"] = "1", ["Ingestion:FlushInterval"] = "00:00:00" });
        var facts = Chats(0, 1000);
        var input = await WriteAsync("facts.ndjson", [.. facts.Select(Json)]);
        var key = await WriteAsync("key", [ServiceHost.TestKey]);
        using var interrupt = new CancellationTokenSource();
        var first = RunAsync(new ImportRequest(input, host.Address, key, BatchSize: 10, InFlight: 2), [], interrupt.Token);
        while (!first.IsCompleted && (await ReadStateLineAsync(input + ".import-state") ?? 0) < 300)
        {
            await Task.Delay(5);
        }

        await interrupt.CancelAsync();
        var (exit, _, error) = await first;
        Assert.True(exit == ImportCommand.ExitInterrupted, $"exit {exit}: {error}");
        var recorded = await ReadStateLineAsync(input + ".import-state") ?? 0;
        Assert.InRange(recorded, 300, facts.Count - 1);

        var (resumed, output, _) = await RunAsync(new ImportRequest(input, host.Address, key, BatchSize: 10), []);
        Assert.Equal(0, resumed);
        Assert.Contains($"{facts.Count - recorded:N0} lines: {facts.Count - recorded:N0} facts accepted, 0 lines rejected", output, StringComparison.Ordinal);
        Assert.Equal(Expected(facts), await CommittedCountsAsync(host));
    }

    [Fact]
    public async Task A_service_that_does_not_answer_fails_with_exit_code_1_and_a_key_is_never_an_option()
    {
        var input = await WriteAsync("facts.ndjson", [.. Chats(0, 1).Select(Json)]);
        var key = await WriteAsync("key", ["some-key"]);
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var (exit, _, error) = await RunAsync(new ImportRequest(input, new Uri($"http://127.0.0.1:{port}"), key), []);
        Assert.Equal(ServiceCommandLine.ExitFailed, exit);
        Assert.Contains($"The service at http://127.0.0.1:{port}/ is unreachable", error, StringComparison.Ordinal);

        (exit, _, error) = await RunAsync(new ImportRequest(input), ["--api-key", "secret"]);
        Assert.Equal(ServiceCommandLine.ExitUsage, exit);
        Assert.Contains("'--api-key' is not an option of import", error, StringComparison.Ordinal);
        (exit, _, error) = await RunAsync(new ImportRequest(input), ["--Logging:LogLevel:Default", "Warning", "other.ndjson"]);
        Assert.Equal(ServiceCommandLine.ExitUsage, exit);
        Assert.Contains("'other.ndjson' is not an argument of import", error, StringComparison.Ordinal);
        (exit, _, error) = await RunAsync(new ImportRequest(input, new Uri("http://analytics.example.com:5310"), key), []);
        Assert.Equal(ServiceCommandLine.ExitUsage, exit);
        Assert.Contains("the API key would travel in clear text", error, StringComparison.Ordinal);
    }

    /// <summary>Three facts per chat (start, a customer's message, end) of the shop <c>shop-import</c>, within the last days.</summary>
    private List<Fact> Chats(int first, int count) => [.. Enumerable.Range(first, count).SelectMany(n =>
    {
        var chat = $"chat-{n:D4}";
        var at = _start.AddMinutes(n);
        return new[]
        {
            new Fact { EventId = $"{chat}-start", ShopId = "shop-import", OccurredAt = Timestamp.FromDateTime(at), ChatStarted = new ChatStarted { ChatId = chat, CustomerId = $"customer-{n}", Initiator = ChatInitiator.Customer } },
            new Fact { EventId = $"{chat}-m1", ShopId = "shop-import", OccurredAt = Timestamp.FromDateTime(at.AddSeconds(5)), MessageSent = new MessageSent { ChatId = chat, MessageId = $"{chat}-m1", SenderRole = SenderRole.Customer, Kind = MessageKind.Text } },
            new Fact { EventId = $"{chat}-end", ShopId = "shop-import", OccurredAt = Timestamp.FromDateTime(at.AddMinutes(30)), ChatEnded = new ChatEnded { ChatId = chat } },
        };
    })];

    private Fact Rated(string eventId, string chat, int stars) =>
        new() { EventId = eventId, ShopId = "shop-import", OccurredAt = Timestamp.FromDateTime(_start), ChatRated = new ChatRated { ChatId = chat, Stars = stars } };

    private static string Json(Fact fact) => JsonFormatter.Default.Format(fact);

    /// <summary>Rows per raw table the facts make, each fact once.</summary>
    private static Dictionary<string, long> Expected(List<Fact> facts) => new()
    {
        ["chat_starts"] = facts.Count(f => f.KindCase == Fact.KindOneofCase.ChatStarted),
        ["chat_messages"] = facts.Count(f => f.KindCase == Fact.KindOneofCase.MessageSent),
        ["chat_events"] = facts.Count(f => f.KindCase == Fact.KindOneofCase.ChatEnded),
    };

    private async Task<string> WriteAsync(string name, IEnumerable<string> lines)
    {
        var path = Path.Combine(_folder, name);
        await File.WriteAllLinesAsync(path, lines);
        return path;
    }

    /// <summary>The stored counts once what the service acknowledged is committed (it acknowledges from its journal).</summary>
    private async Task<Dictionary<string, long>> CommittedCountsAsync(ServiceHost host)
    {
        await host.AcknowledgedFactsCommittedAsync();
        return await CountsAsync(host.Store);
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(
        ImportRequest request, string[] settings, CancellationToken cancellation = default, Stream? standardInput = null)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var progress = new CommandProgress(output, terminal: false, TimeSpan.FromSeconds(1));
        var exit = await ImportCommand.RunAsync(request, settings, output, error, progress, cancellation, standardInput);
        return (exit, output.ToString(), error.ToString());
    }

    private static async Task<long?> ReadStateLineAsync(string path)
    {
        try
        {
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(path));
            return json.RootElement.GetProperty("line").GetInt64();
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    private static List<(long Line, string? Field, string Reason, string? EventId, string? Text)> ReadRejects(string path) =>
        [.. File.ReadLines(path).Select(line =>
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            return (root.GetProperty("line").GetInt64(), root.GetProperty("field").GetString(), root.GetProperty("reason").GetString()!,
                root.TryGetProperty("eventId", out var id) ? id.GetString() : null, root.TryGetProperty("text", out var text) ? text.GetString() : null);
        })];

    private Task<Dictionary<string, long>> CountsAsync() => CountsAsync(null);

    private async Task<Dictionary<string, long>> CountsAsync(ClickHouseStore? store)
    {
        using var own = store is null ? TestEnvironment.CreateStore(TestEnvironment.Options(ClickHouseLane.Embedded, _database)) : null;
        var counts = new Dictionary<string, long>();
        foreach (var table in s_tables)
        {
            counts[table] = Convert.ToInt64(await (store ?? own!).Client.ExecuteScalarAsync($"SELECT count() FROM {table} FINAL WHERE shop_id = 'shop-import'"), CultureInfo.InvariantCulture);
        }

        return counts;
    }

    public async ValueTask DisposeAsync()
    {
        using var store = TestEnvironment.CreateStore(TestEnvironment.Options(ClickHouseLane.Embedded, "default"));
        await store.Client.ExecuteNonQueryAsync($"DROP DATABASE IF EXISTS {SchemaNames.Quote(_database)}");
        Directory.Delete(_folder, recursive: true);
    }
}
