using System.Collections;
using System.CommandLine;
using Google.Protobuf.WellKnownTypes;
using Parquet.Serialization;
using ServiceAnalytics.Server.Commands;
using ServiceAnalytics.Tests.Metrics;

namespace ServiceAnalytics.Tests.Commands;

/// <summary>
/// The <c>export</c> command against the real engine: its CSV and Parquet files hold exactly the rows the ListChats
/// RPC pages through for the same filter, read from the store (the service's database, the command's own host) and
/// through the running service over gRPC; bad requests end with a message naming what is wrong, the right exit
/// code, and no file.
/// </summary>
public sealed class ExportCommandTests(ServiceHostFixture service) : IClassFixture<ServiceHostFixture>, IAsyncLifetime
{
    private readonly string _folder = Path.Combine(TestEnvironment.RunFolder, $"export-{Guid.NewGuid():N}");
    private string _shop = "";
    private string _first = "";
    private string _last = "";

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _shop = $"shop-{Guid.NewGuid():N}";
        // 700 chats over 30 days ending 10 days ago (nothing pending, so the rows cannot change between two reads): a
        // CSV of several chunks, a quarter tagged "pre-purchase", chats of every answered type.
        var outcome = (await new IngestionService.IngestionServiceClient(service.Host.Channel)
            .IngestBatchAsync(new IngestBatchRequest { Facts = { FactScenario.Synthetic(_shop, 700).Facts } })).Outcome;
        Assert.Empty(outcome.Rejected);
        // The store export reads ClickHouse from another process, which does not wait for this service's journal.
        await service.Host.AcknowledgedFactsCommittedAsync();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        (_first, _last) = (Day(today.AddDays(-45)), Day(today));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public static TheoryData<string, string[]> Filters() => new()
    {
        { "everything", [] },
        { "by chat type", ["--chat-type", "responded-24h", "--chat-type", "RESPONDED_LATE"] },
        { "by tag", ["--tag", "pre-purchase"] },
        { "by chat type and tag", ["--chat-type", "CHAT_TYPE_RESPONDED_24H", "--tag", "pre-purchase"] },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task Csv_and_parquet_from_the_store_hold_the_list_rows_of_the_same_filter(string filter, string[] options)
    {
        var listed = await ListAllAsync(options);
        Assert.True(listed.Count > 20, $"{filter}: {listed.Count} chats");

        var csv = Path.Combine(_folder, "chats.csv");
        var parquet = Path.Combine(_folder, "chats.parquet");
        var (csvExit, csvOutput, csvError) = await RunAsync([.. Export(csv), .. options, .. StoreSettings()]);
        var (parquetExit, parquetOutput, parquetError) = await RunAsync([.. Export(parquet), .. options, .. StoreSettings()]);

        Assert.True(csvExit == 0, csvError);
        Assert.True(parquetExit == 0, parquetError);
        Assert.Equal(listed, ReadCsv(csv));
        Assert.Equal(listed, await ReadParquetAsync(parquet));
        // The progress total is the list's, and the summary says what was written where.
        Assert.Contains($"export: {listed.Count:N0} chats in ", csvOutput, StringComparison.Ordinal);
        Assert.Contains($"export: {listed.Count:N0} chats of {_shop}, {_first} to {_last}, written to {csv} (CSV)", csvOutput, StringComparison.Ordinal);
        Assert.Contains($"written to {parquet} (Parquet)", parquetOutput, StringComparison.Ordinal);
        // Only the finished files are left: the temporary ones were renamed.
        Assert.Equal(["chats.csv", "chats.parquet"], Directory.GetFiles(_folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Through_the_running_service_csv_and_parquet_hold_the_list_rows_and_the_csv_is_the_rpcs_file()
    {
        var keyFile = Path.Combine(_folder, "key");
        await File.WriteAllTextAsync(keyFile, ServiceHost.TestKey + "\n");
        string[] options = ["--chat-type", "responded-late", "--chat-type", "responded-24h", "--tag", "pre-purchase"];
        var listed = await ListAllAsync(options);
        var viaService = Path.Combine(_folder, "via-service.csv");
        var parquetViaService = Path.Combine(_folder, "via-service.parquet");
        var fromStore = Path.Combine(_folder, "from-store.csv");
        string[] throughService = ["--service", service.Host.Address.ToString(), "--api-key-file", keyFile];

        var (exit, output, error) = await RunAsync([.. Export(viaService), .. options, .. throughService]);
        var parquet = await RunAsync([.. Export(parquetViaService), .. options, .. throughService]);
        Assert.True(exit == 0, error);
        Assert.True(parquet.Exit == 0, parquet.Error);
        Assert.True((await RunAsync([.. Export(fromStore), .. options, .. StoreSettings()])).Exit == 0);

        Assert.True(listed.Count > 20, $"{listed.Count} chats");
        Assert.Equal(listed, ReadCsv(viaService));
        Assert.Equal(listed, await ReadParquetAsync(parquetViaService));
        Assert.Contains($"export: {listed.Count:N0} chats of {_shop}", output, StringComparison.Ordinal);
        Assert.Contains($"export: {listed.Count:N0} chats in ", parquet.Output, StringComparison.Ordinal);
        // Both modes write the ExportChats RPC's CSV, byte for byte.
        Assert.Equal(await File.ReadAllBytesAsync(fromStore), await File.ReadAllBytesAsync(viaService));
    }

    [Fact]
    public async Task Csv_on_standard_output_is_the_file_and_messages_go_to_standard_error()
    {
        var file = Path.Combine(_folder, "chats.csv");
        Assert.Equal(0, (await RunAsync([.. Export(file), "--tag", "pre-purchase", .. StoreSettings()])).Exit);
        var request = new ExportChatsRequest { ShopId = _shop, FirstDay = _first, LastDay = _last, Tags = { "pre-purchase" } };
        var job = new ExportJob(new ChatFilterOptions(), request, "-", Format: null, Service: null, ApiKeyFile: null, StoreSettings());
        using var standardOutput = new MemoryStream();
        var (messages, error) = (new StringWriter(), new StringWriter());

        var exit = await ExportCommand.RunAsync(job, standardOutput, messages, error, new CommandProgress(error, terminal: false, TimeSpan.FromSeconds(5)), CancellationToken.None);

        Assert.True(exit == 0, error.ToString());
        Assert.Equal(await File.ReadAllBytesAsync(file), standardOutput.ToArray());
        Assert.Contains("as CSV on standard output", messages.ToString(), StringComparison.Ordinal);
        Assert.Contains("export: ", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(["chats.csv"], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_wrong_key_through_the_service_fails_with_the_services_answer_and_leaves_no_file()
    {
        var keyFile = Path.Combine(_folder, "wrong-key");
        await File.WriteAllTextAsync(keyFile, "not-a-key");
        var file = Path.Combine(_folder, "refused.csv");

        var (exit, _, error) = await RunAsync([.. Export(file), "--service", service.Host.Address.ToString(), "--api-key-file", keyFile]);

        Assert.Equal(ServiceCommandLine.ExitFailed, exit);
        Assert.Contains("answered Unauthenticated", error, StringComparison.Ordinal);
        Assert.Equal(["wrong-key"], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public async Task An_unknown_shop_fails_in_both_modes_naming_it_and_leaves_no_file()
    {
        var keyFile = Path.Combine(_folder, "key");
        await File.WriteAllTextAsync(keyFile, ServiceHost.TestKey);
        var file = Path.Combine(_folder, "nobody.csv");
        string[] nobody = ["export", "--shop", "no-such-shop", "--from", _first, "--to", _last, "--output", file];

        var fromStore = await RunAsync([.. nobody, .. StoreSettings()]);
        var viaService = await RunAsync([.. nobody, "--service", service.Host.Address.ToString(), "--api-key-file", keyFile]);

        Assert.Equal(ServiceCommandLine.ExitFailed, fromStore.Exit);
        Assert.Contains("export: shop 'no-such-shop' not found", fromStore.Error, StringComparison.Ordinal);
        Assert.Equal(ServiceCommandLine.ExitFailed, viaService.Exit);
        Assert.Contains("answered NotFound: shop 'no-such-shop' not found", viaService.Error, StringComparison.Ordinal);
        Assert.Equal(["key"], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("--to a period is at most 366 days long, this one has 367", "--from", "2025-01-01", "--to", "2026-01-02")]
    [InlineData("--to must not be before --from", "--from", "2026-02-01", "--to", "2026-01-31")]
    [InlineData("--from must be a date YYYY-MM-DD from 2000-01-01 to 2100-12-31", "--from", "2026-1-1", "--to", "2026-01-31")]
    [InlineData("--rating must be 1 to 5", "--from", "2026-01-01", "--to", "2026-01-31", "--rating", "6")]
    [InlineData("Parquet is written to a file", "--from", "2026-01-01", "--to", "2026-01-31", "--format", "parquet", "--output", "-")]
    [InlineData("--service needs an API key", "--from", "2026-01-01", "--to", "2026-01-31", "--service", "http://127.0.0.1:1")]
    [InlineData("--service must be an http:// or https:// address", "--from", "2026-01-01", "--to", "2026-01-31", "--service", "127.0.0.1:5310")]
    [InlineData("the API key would travel in clear text", "--from", "2026-01-01", "--to", "2026-01-31", "--service", "http://analytics.example.com:5310")]
    [InlineData("'--tags' is not an option of export", "--from", "2026-01-01", "--to", "2026-01-31", "--tags", "vip")]
    [InlineData("'--api-key' is not an option of export", "--from", "2026-01-01", "--to", "2026-01-31", "--api-key", "k-123")]
    [InlineData("xlsx", "--from", "2026-01-01", "--to", "2026-01-31", "--format", "xlsx")]
    [InlineData("--chat-type: 'answered' is not one of responded-24h, responded-late", "--from", "2026-01-01", "--to", "2026-01-31", "--chat-type", "answered")]
    public async Task A_request_the_rpcs_refuse_or_a_bad_format_is_a_usage_error_naming_the_option(string expected, params string[] options)
    {
        var file = Path.Combine(_folder, "refused.csv");
        string[] output = options.Contains("--output") ? [] : ["--output", file];

        var (exit, _, error) = await RunAsync(["export", "--shop", _shop, .. options, .. output, .. StoreSettings()]);

        Assert.Equal(ServiceCommandLine.ExitUsage, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Fact]
    public async Task An_interrupted_export_says_so_with_exit_code_130_and_leaves_an_earlier_file_as_it_was()
    {
        var file = Path.Combine(_folder, "kept.csv");
        await File.WriteAllTextAsync(file, "an earlier export\n");
        using var interrupted = new CancellationTokenSource();
        await interrupted.CancelAsync();

        var (exit, _, error) = await RunAsync(["export", "--shop", _shop, "--from", _first, "--to", _last, "--output", file, .. StoreSettings()], interrupted.Token);

        Assert.Equal(ServiceCommandLine.ExitInterrupted, exit);
        Assert.Contains("export: interrupted; no file written", error, StringComparison.Ordinal);
        Assert.Equal("an earlier export\n", await File.ReadAllTextAsync(file));
        Assert.Equal([file], Directory.GetFiles(_folder));
    }

    [Fact]
    public async Task An_output_that_cannot_be_written_fails_before_reading_and_leaves_an_earlier_file_as_it_was()
    {
        var missingFolder = Path.Combine(_folder, "no-such-folder", "chats.csv");
        var (exit, _, error) = await RunAsync([.. Export(missingFolder), .. StoreSettings()]);
        Assert.Equal(ServiceCommandLine.ExitFailed, exit);
        Assert.Contains($"export: cannot write {missingFolder}", error, StringComparison.Ordinal);

        // A failed export (here an unknown shop) leaves the file it would have replaced untouched.
        var earlier = Path.Combine(_folder, "earlier.csv");
        await File.WriteAllTextAsync(earlier, "earlier export");
        var failed = await RunAsync(["export", "--shop", "no-such-shop", "--from", _first, "--to", _last, "--output", earlier, .. StoreSettings()]);
        Assert.Equal(ServiceCommandLine.ExitFailed, failed.Exit);
        Assert.Equal("earlier export", await File.ReadAllTextAsync(earlier));
        Assert.Equal([earlier], Directory.GetFiles(_folder));
    }

    [Fact]
    public async Task Export_help_describes_the_command_and_every_option()
    {
        var help = new StringWriter();
        var parse = ServiceCommandLine.Create().Parse(["export", "--help"]);

        Assert.Equal(0, await parse.InvokeAsync(new InvocationConfiguration { Output = help }));
        var text = help.ToString();
        Assert.Contains("Export All Chats of a shop and period", text, StringComparison.Ordinal);
        foreach (var option in new[] { "--shop", "--from", "--to", "--chat-type", "--tag", "--agent", "--status", "--customer", "--handled-by", "--rating",
            "--inquiry-outcome", "--inquiry-agent", "--transfer-direction", "--transfer-agent", "--output", "--format", "--service", "--api-key-file" })
        {
            Assert.Contains(option, text, StringComparison.Ordinal);
        }

        Assert.Contains("responded-24h, responded-late, non-responded, pending, assistant-solved", text, StringComparison.Ordinal);
    }

    private string[] Export(string output) => ["export", "--shop", _shop, "--from", _first, "--to", _last, "--output", output];

    /// <summary>The store of the running service, read by the command's own host in this process (one engine per process).</summary>
    private string[] StoreSettings() =>
    [
        $"--ClickHouse:Database={service.Host.Database}", $"--ClickHouse:Embedded:DataPath={TestEnvironment.EmbeddedDataPath}",
        "--Logging:LogLevel:Default=Warning",
    ];

    /// <summary>Runs the command line as the process does: a parse error is a usage error; else the command's exit code, its output and its errors.</summary>
    private static async Task<(int Exit, string Output, string Error)> RunAsync(string[] args, CancellationToken cancellation = default)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var parse = ServiceCommandLine.Create().Parse(args);
        var exit = parse.Errors.Count > 0
            ? await ServiceCommandLine.RunAsync(args, error)
            : await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellation);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>Every page of ListChats for the command line's filter options, built independently of the command's mapping.</summary>
    private async Task<List<ChatRow>> ListAllAsync(string[] options)
    {
        var request = new ListChatsRequest { ShopId = _shop, FirstDay = _first, LastDay = _last, PageSize = 200 };
        for (var i = 0; i < options.Length; i += 2)
        {
            switch (options[i])
            {
                case "--tag":
                    request.Tags.Add(options[i + 1]);
                    break;
                case "--chat-type":
                    var name = options[i + 1].ToUpperInvariant().Replace('-', '_');
                    var types = ListChatsRequest.Descriptor.FindFieldByName("chat_types").EnumType;
                    request.ChatTypes.Add((ChatType)types.FindValueByName(name.StartsWith("CHAT_TYPE_", StringComparison.Ordinal) ? name : "CHAT_TYPE_" + name).Number);
                    break;
                default:
                    throw new ArgumentException(options[i]);
            }
        }

        var client = new AnalyticsService.AnalyticsServiceClient(service.Host.Channel);
        var rows = new List<ChatRow>();
        do
        {
            var page = await client.ListChatsAsync(request);
            rows.AddRange(page.Chats);
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        return rows;
    }

    private static List<ChatRow> ReadCsv(string path)
    {
        var records = CsvRecords.Parse(File.ReadAllText(path));
        Assert.Equal(ChatRow.Descriptor.Fields.InDeclarationOrder().Select(f => f.Name), records[0]);
        return [.. records.Skip(1).Select(ChatExportTests.FromRecord)];
    }

    /// <summary>The file read back by Parquet.Net's own deserializer, each row as the <see cref="ChatRow"/> it holds.</summary>
    private static async Task<List<ChatRow>> ReadParquetAsync(string path)
    {
        await using var file = File.OpenRead(path);
        var table = await ParquetSerializer.DeserializeUntypedAsync(file);
        Assert.Equal(ChatRow.Descriptor.Fields.InDeclarationOrder().Select(f => f.Name), table.Schema.Fields.Select(f => f.Name));
        return [.. table.Data.Select(FromParquet)];
    }

    private static ChatRow FromParquet(Dictionary<string, object> values)
    {
        var at = (DateTime)values["received_at"];
        var row = new ChatRow
        {
            ChatId = Text(values["chat_id"]),
            CustomerId = Text(values["customer_id"]),
            ReceivedAt = Timestamp.FromDateTime(at.Kind == DateTimeKind.Local ? at.ToUniversalTime() : DateTime.SpecifyKind(at, DateTimeKind.Utc)),
            Status = (ChatStatus)ChatRow.Descriptor.FindFieldByName("status").EnumType.FindValueByName(Text(values["status"])).Number,
            Type = (ChatType)ChatRow.Descriptor.FindFieldByName("type").EnumType.FindValueByName(Text(values["type"])).Number,
            Tags = { values.TryGetValue("tags", out var tags) && tags is IEnumerable list ? list.Cast<object>().Select(Text) : [] },
            CurrentAgentId = Text(values["current_agent_id"]),
            Rating = (int)values["rating"],
            Converted = (bool)values["converted"],
            MatchingInquiries = (long)values["matching_inquiries"],
            MatchingTransfers = (long)values["matching_transfers"],
        };
        if (values.TryGetValue("first_response_seconds", out var seconds) && seconds is double set)
        {
            row.FirstResponseSeconds = set;
        }

        return row;
    }

    /// <summary>A string value as the untyped reader gives it (characters, not a string).</summary>
    private static string Text(object value) => value is ReadOnlyMemory<char> characters ? characters.ToString() : (string)value;

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
