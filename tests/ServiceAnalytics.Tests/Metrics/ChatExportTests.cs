using System.Collections;
using System.Net;
using System.Text.RegularExpressions;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using ServiceAnalytics.Server.Services;

namespace ServiceAnalytics.Tests.Metrics;

/// <summary>
/// The All Chats CSV export over HTTP (GET /v1/shops/{shop}/chats.csv): the rows of the paged list for the same
/// filter, every one of them, parsed back by an independent RFC 4180 reader; hostile values quoted and inert.
/// </summary>
public sealed partial class ChatExportTests(ServiceHostFixture service) : IClassFixture<ServiceHostFixture>
{
    /// <summary>Values a spreadsheet would run or split, each one the ingestion path accepts (no control characters).</summary>
    private static readonly string[] s_hostile =
    [
        "=HYPERLINK(\"http://evil.test\",\"click\")", "+1,2", "-3+4", "@SUM(A1:A9)", "'quoted already", "pipe|and\\back", "plain\"quote, comma",
    ];

    private AnalyticsService.AnalyticsServiceClient Analytics => new(service.Host.Channel);

    [Fact]
    public async Task The_csv_holds_exactly_the_paged_list_rows_for_every_filter()
    {
        var (shop, first, last) = await IngestAsync();
        Action<ListChatsRequest>[] filters =
        [
            _ => { },
            r => r.ChatTypes.Add([ChatType.Responded24H, ChatType.Converted]),
            r => r.Tags.Add("pre-purchase"),
            r => r.Ratings.Add([1, 2]),
            r => { r.Statuses.Add(ChatStatus.Ended); r.HandledByAgentIds.Add("agent-1"); },
            r => { r.InquiryOutcomes.Add(InquiryOutcome.AnsweredLate); r.InquiryAgentIds.Add("agent-2"); },
            r => { r.TransferDirections.Add(TransferDirection.In); r.TransferAgentIds.Add(s_hostile[2]); },
            r => r.CustomerId = "customer-3",
            r => r.Tags.Add([s_hostile[0], s_hostile[5]]),
            r => r.AgentIds.Add(s_hostile[2]),
            r => r.CustomerId = "nobody",
        ];
        var sizes = new List<int>();
        var lengths = new List<int>();
        foreach (var filter in filters)
        {
            var request = new ListChatsRequest { ShopId = shop, FirstDay = first, LastDay = last, PageSize = 25 };
            filter(request);
            var listed = await ListAllAsync(request);

            using var response = await GetCsvAsync(shop, Query(request));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
            Assert.Equal($"attachment; filename=\"chats-{shop}-{first}-{last}.csv\"", Assert.Single(response.Content.Headers.GetValues("Content-Disposition")));
            var text = await response.Content.ReadAsStringAsync();
            var records = CsvRecords.Parse(text);
            sizes.Add(listed.Count);
            lengths.Add(text.Length);

            Assert.Equal(ChatRow.Descriptor.Fields.InDeclarationOrder().Select(f => f.Name), records[0]);
            Assert.Equal(listed, records.Skip(1).Select(FromRecord).ToList());
        }

        // The filters select different, non-trivial sets: the whole list spans many pages and more than one of the export's
        // chunks, some filters none.
        Assert.True(lengths[0] > ChatCsv.ChunkChars, $"{lengths[0]} characters");
        Assert.Contains(0, sizes);
        Assert.Equal(sizes.Count - 1, sizes.Skip(1).Count(size => size < sizes[0]));
        Assert.Equal((2, s_hostile.Length, s_hostile.Length), (sizes[^3], sizes[^2], sizes[6]));
    }

    [Fact]
    public async Task Hostile_values_are_quoted_and_cannot_start_a_formula()
    {
        var (shop, first, last) = await IngestAsync();
        using var response = await GetCsvAsync(shop, $"first_day={first}&last_day={last}&tags={Uri.EscapeDataString(s_hostile[1])}");
        var text = await response.Content.ReadAsStringAsync();
        var records = CsvRecords.Parse(text);

        // Every hostile chat is there, each value back as it was sent once the one neutralising quote is removed.
        var rows = records.Skip(1).Select(FromRecord).ToDictionary(r => r.ChatId);
        Assert.Equal(s_hostile.Order(StringComparer.Ordinal), rows.Keys.Order(StringComparer.Ordinal));
        foreach (var (id, index) in s_hostile.Select((id, index) => (id, index)))
        {
            Assert.Equal(s_hostile[(index + 1) % s_hostile.Length], rows[id].CustomerId);
            Assert.Equal(s_hostile[2], rows[id].CurrentAgentId);
            Assert.Equal(new[] { s_hostile[index], s_hostile[1] }.Distinct().Order(StringComparer.Ordinal), rows[id].Tags.Order(StringComparer.Ordinal));
        }

        // As a spreadsheet reads the file: no cell starts a formula; those that would have get a leading quote inside
        // their quoted field.
        Assert.All(records.SelectMany(r => r), cell => Assert.False(cell.Length > 0 && cell[0] is '=' or '+' or '-' or '@' or '\t' or '\r', cell));
        Assert.Contains("\"'=HYPERLINK(\"\"http://evil.test\"\",\"\"click\"\")\"", text, StringComparison.Ordinal);
        Assert.Contains("\"'@SUM(A1:A9)\"", text, StringComparison.Ordinal);
        Assert.Contains("\"''quoted already\"", text, StringComparison.Ordinal);
        Assert.Contains("\"plain\"\"quote, comma\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Line_breaks_tabs_and_carriage_returns_stay_inside_their_field()
    {
        // The ingestion path refuses control characters, so these reach the writer only here.
        string[] values = ["line\nbreak", "\tlead tab", "\rlead cr", "crlf\r\ninside", "-\n=", "tag|with\\bar"];
        var csv = new ChatCsv();
        foreach (var value in values)
        {
            csv.Append(new ChatRow
            {
                ChatId = value, CustomerId = value, CurrentAgentId = value, Tags = { value, "x" }, ReceivedAt = Timestamp.FromDateTime(DateTime.UnixEpoch),
                Status = ChatStatus.Active, Type = ChatType.Pending,
            });
        }

        var records = CsvRecords.Parse(csv.Take().Data.ToStringUtf8());

        Assert.Equal(values.Length + 1, records.Count);
        Assert.All(records.SelectMany(r => r), cell => Assert.False(cell.Length > 0 && cell[0] is '=' or '+' or '-' or '@' or '\t' or '\r', cell));
        Assert.Equal(values, records.Skip(1).Select(r => FromRecord(r).ChatId));
        Assert.Equal(values.Select(v => new[] { v, "x" }), records.Skip(1).Select(r => FromRecord(r).Tags.ToArray()));
    }

    [Fact]
    public async Task An_export_read_in_day_slices_lists_every_chat_once_in_the_lists_order()
    {
        // 700 chats over 30 days is one slice at the service's size; slices of about 25 chats cut the period into
        // dozens of statements, a day each at most, a busy day on its own.
        var (shop, first, last) = await IngestAsync();
        var queries = service.Host.App.Services.GetRequiredService<ServiceAnalytics.Storage.Queries.MetricQueries>();
        var calendar = await queries.FindShopAsync(shop, CancellationToken.None) ?? throw new InvalidOperationException("no shop");
        var period = new ServiceAnalytics.Storage.Outcomes.DayPeriod(DateOnly.Parse(first, CultureInfo.InvariantCulture), DateOnly.Parse(last, CultureInfo.InvariantCulture));
        var everything = new ServiceAnalytics.Storage.Queries.ChatListFilter([], [], [], [], "", []);
        foreach (var (filter, request) in new[]
        {
            (everything, new ListChatsRequest { ShopId = shop, FirstDay = first, LastDay = last, PageSize = 200 }),
            (everything with { Tags = ["pre-purchase"] }, new ListChatsRequest { ShopId = shop, FirstDay = first, LastDay = last, PageSize = 200, Tags = { "pre-purchase" } }),
        })
        {
            var listed = (await ListAllAsync(request)).Select(r => r.ChatId).ToList();
            Assert.True(listed.Count > 100, $"{listed.Count} chats");
            foreach (var slice in new[] { 1, 25, ServiceAnalytics.Storage.Queries.MetricQueries.ExportSliceChats })
            {
                var exported = new List<string>();
                await foreach (var row in queries.ExportChatsAsync(shop, calendar, period, DateTime.UtcNow, filter, CancellationToken.None, slice))
                {
                    exported.Add(row.ChatId);
                }

                Assert.Equal(listed, exported);
                Assert.Equal(listed.Count, await queries.CountExportChatsAsync(shop, calendar, period, DateTime.UtcNow, filter, CancellationToken.None, slice));
            }
        }
    }

    /// <summary>
    /// 700 synthetic chats (a CSV of several chunks) and one chat per hostile value: its id, the next value as its customer, tagged with it and
    /// with the second value, transferred from agent-1 to the third value, who answers.
    /// </summary>
    private async Task<(string Shop, string First, string Last)> IngestAsync()
    {
        var shop = $"shop-{Guid.NewGuid():N}";
        var s = FactScenario.Synthetic(shop, 700);
        var at = DateTime.UtcNow.AddDays(-2);
        for (var i = 0; i < s_hostile.Length; i++)
        {
            var chat = s_hostile[i];
            s.ChatStarted(chat, s_hostile[(i + 1) % s_hostile.Length], at.AddMinutes(i), [s_hostile[i], s_hostile[1]]);
            s.Message(chat, SenderRole.Customer, MessageKind.Text, at.AddMinutes(i));
            s.Assigned(chat, "", "agent-1", at.AddMinutes(i).AddSeconds(1));
            s.Assigned(chat, "agent-1", s_hostile[2], at.AddMinutes(i).AddSeconds(2));
            s.Message(chat, SenderRole.Agent, MessageKind.Text, at.AddMinutes(i).AddSeconds(30), agentId: s_hostile[2]);
        }

        var outcome = (await new IngestionService.IngestionServiceClient(service.Host.Channel).IngestBatchAsync(new IngestBatchRequest { Facts = { s.Facts } })).Outcome;
        Assert.Empty(outcome.Rejected);
        // Some tests read the export from the store's queries directly, not through the RPCs that wait for the journal.
        await service.Host.AcknowledgedFactsCommittedAsync();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        return (shop, Day(today.AddDays(-45)), Day(today));
    }

    private async Task<List<ChatRow>> ListAllAsync(ListChatsRequest request)
    {
        var rows = new List<ChatRow>();
        do
        {
            var page = await Analytics.ListChatsAsync(request);
            rows.AddRange(page.Chats);
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        return rows;
    }

    private async Task<HttpResponseMessage> GetCsvAsync(string shop, string query)
    {
        using var http = new HttpClient { BaseAddress = service.Host.WebAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/v1/shops/{Uri.EscapeDataString(shop)}/chats.csv?{query}", UriKind.Relative));
        request.Headers.Add("x-api-key", ServiceHost.TestKey);
        return await http.SendAsync(request);
    }

    /// <summary>The query string of a request's filter, as the ListChats JSON route takes it: a parameter per value, enums by name.</summary>
    internal static string Query(ListChatsRequest request)
    {
        var parts = new List<string>();
        foreach (var field in ListChatsRequest.Descriptor.Fields.InDeclarationOrder().Where(f => f.Name is not ("shop_id" or "page_size" or "page_token")))
        {
            var value = field.Accessor.GetValue(request);
            foreach (var item in field.IsRepeated ? ((IList)value).Cast<object>() : [value])
            {
                var text = field.FieldType == FieldType.Enum
                    ? field.EnumType.FindValueByNumber(Convert.ToInt32(item, CultureInfo.InvariantCulture)).Name
                    : Convert.ToString(item, CultureInfo.InvariantCulture)!;
                if (field.IsRepeated || text.Length > 0)
                {
                    parts.Add($"{field.Name}={Uri.EscapeDataString(text)}");
                }
            }
        }

        return string.Join('&', parts);
    }

    /// <summary>A record back as the <see cref="ChatRow"/> it shows, each value without its neutralising quote.</summary>
    internal static ChatRow FromRecord(string[] record)
    {
        Assert.Equal(ChatRow.Descriptor.Fields.InDeclarationOrder().Count, record.Length);
        var v = record.Select(cell => cell.StartsWith('\'') ? cell[1..] : cell).ToArray();
        var row = new ChatRow
        {
            ChatId = v[0],
            CustomerId = v[1],
            ReceivedAt = Timestamp.FromDateTime(DateTime.ParseExact(v[2], "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)),
            Status = (ChatStatus)ChatRow.Descriptor.FindFieldByName("status").EnumType.FindValueByName(v[3]).Number,
            Type = (ChatType)ChatRow.Descriptor.FindFieldByName("type").EnumType.FindValueByName(v[4]).Number,
            Tags = { Tags(v[5]) },
            CurrentAgentId = v[6],
            Rating = int.Parse(v[8], CultureInfo.InvariantCulture),
            Converted = bool.Parse(v[9]),
            MatchingInquiries = long.Parse(v[10], CultureInfo.InvariantCulture),
            MatchingTransfers = long.Parse(v[11], CultureInfo.InvariantCulture),
        };
        if (v[7].Length > 0)
        {
            row.FirstResponseSeconds = double.Parse(v[7], CultureInfo.InvariantCulture);
        }

        return row;
    }

    /// <summary>
    /// The tags of a cell, read by the format's grammar rather than the service's reader: tags separated by <c>|</c>, a
    /// tag's own <c>|</c> and <c>\</c> escaped with <c>\</c>.
    /// </summary>
    private static IEnumerable<string> Tags(string cell)
    {
        if (cell.Length == 0)
        {
            return [];
        }

        var list = TagList().Match(cell);
        Assert.True(list.Success, $"'{cell}' is not a tag list");
        return list.Groups["tag"].Captures.Select(tag => EscapedCharacter().Replace(tag.Value, "$1"));
    }

    [GeneratedRegex(@"^(?<tag>(?:\\.|[^|\\])*)(?:\|(?<tag>(?:\\.|[^|\\])*))*$")]
    private static partial Regex TagList();

    [GeneratedRegex(@"\\(.)")]
    private static partial Regex EscapedCharacter();

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
