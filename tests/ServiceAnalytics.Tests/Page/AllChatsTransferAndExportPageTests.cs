namespace ServiceAnalytics.Tests.Page;

/// <summary>All Chats' transfers and CSV download (the class's summary is in AllChatsPageTests.cs).</summary>
public sealed partial class AllChatsPageTests
{
    [Fact]
    public async Task A_transfer_moves_the_chat_and_a_refused_one_shows_the_services_reason()
    {
        var (shop, day) = await LoadAsync();
        await using var session = await PageSession.OpenShowingWeekAsync(chromium, service.Host, shop, day);
        var page = session.Page;
        await ListAsync(session, new(Statuses: ["CHAT_STATUS_ACTIVE"], Agents: ["a1"]));
        Assert.Equal(["c08", "c05"], await RowsAsync(page));

        await TransferC08ToBoAsync(session);
        await AssertC08IsBosOverGrpcAsync(shop, day);
        await TransferToAnInactiveAgentIsRefusedAsync(session.Page);
        await TransferOfAChatEndedSinceItWasListedIsRefusedAsync(session, shop);

        // The browser reports the two refused requests itself; nothing else may reach the console.
        Assert.Equal(2, session.Errors.Count);
        Assert.All(session.Errors, error => Assert.Contains("status of 4", error, StringComparison.Ordinal));
    }

    /// <summary>c08 (Ada's) to Bo through the dialog: the current agent is not offered; the row shows Bo after.</summary>
    private static async Task TransferC08ToBoAsync(PageSession session)
    {
        var page = session.Page;
        await page.ClickAsync("#chats tr[data-chat-id='c08'] button[data-action='transfer']");
        await page.WaitForSelectorAsync("#transfer-agent option[value=\'a2\']", Attached);
        var offered = await page.Locator("#transfer-agent option").EvaluateAllAsync<string[]>("options => options.map(o => o.value).filter(v => v)");
        Assert.Equal(new[] { "a2", "a3" }, offered.Order());
        await page.SelectOptionAsync("#transfer-agent", "a2");
        Assert.Contains("from Ada (a1) to Bo (a2)", await page.TextContentAsync("#transfer-confirm-text"), StringComparison.Ordinal);
        await session.ScreenshotAsync("transfer-dialog-desktop");
        await page.SetViewportSizeAsync(390, 844);
        await session.ScreenshotAsync("transfer-dialog-phone");
        await PartScreenshotAsync(page, "#transfer-dialog", "transfer-dialog-phone-dialog");
        await page.SetViewportSizeAsync(1280, 900);
        await page.ClickAsync("#transfer-confirm");
        await page.WaitForSelectorAsync("#transfer-done");
        Assert.Equal("a2", await page.Locator("#transfer-done").GetAttributeAsync("data-to-agent-id"));
        await session.ScreenshotAsync("transfer-done-desktop");
        await page.ClickAsync("#transfer-cancel");
        Assert.Equal("a2", await page.Locator("#chats tr[data-chat-id='c08'] td").Nth(6).TextContentAsync());
    }

    /// <summary>GetChat and ListChats agree: c08's last assignment is the page's transfer to Bo.</summary>
    private async Task AssertC08IsBosOverGrpcAsync(string shop, DateOnly day)
    {
        var timeline = (await Analytics.GetChatAsync(new GetChatRequest { ShopId = shop, ChatId = "c08" })).Timeline;
        var last = timeline[^1];
        Assert.Equal(("assigned", "a2", "a1"), (last.Kind, last.AgentId, last.FromAgentId));
        Assert.StartsWith("transfer:page-", last.EventId, StringComparison.Ordinal);
        var bo = await Analytics.ListChatsAsync(new Filters(Agents: ["a2"]).Request(shop, day));
        Assert.Contains(bo.Chats, row => row.ChatId == "c08" && row.CurrentAgentId == "a2");
        Assert.Equal(6, bo.Total);
    }

    /// <summary>c05 to Cy, who is inactive: the service refuses and the dialog says why.</summary>
    private static async Task TransferToAnInactiveAgentIsRefusedAsync(IPage page)
    {
        await AssertTransferOfC05IsRefusedAsync(page, "a3", "agent 'a3' is not active");
        await page.ClickAsync("#transfer-cancel");
    }

    /// <summary>c05 ends after it was listed: the transfer is refused with the service's reason, and c05 stays Ada's.</summary>
    private async Task TransferOfAChatEndedSinceItWasListedIsRefusedAsync(PageSession session, string shop)
    {
        var page = session.Page;
        var ingestion = new IngestionService.IngestionServiceClient(service.Host.Channel);
        var end = new Ingestion.FactScenario(shop);
        end.Ended("c05", DateTime.UtcNow.AddMinutes(-1));
        Assert.Empty((await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { end.Facts } })).Outcome.Rejected);
        await AssertTransferOfC05IsRefusedAsync(page, "a2", "chat 'c05' is ended; only active, unresolved chats can be transferred");
        await session.ScreenshotAsync("transfer-refused-desktop");
        Assert.Equal("a1", (await Analytics.GetChatAsync(new GetChatRequest { ShopId = shop, ChatId = "c05" })).Timeline.Last(e => e.Kind == "assigned").AgentId);
    }

    /// <summary>Asks to transfer c05 to <paramref name="agent"/>; the dialog must show the service's refusal.</summary>
    private static async Task AssertTransferOfC05IsRefusedAsync(IPage page, string agent, string reason)
    {
        await page.ClickAsync("#chats tr[data-chat-id='c05'] button[data-action='transfer']");
        await page.WaitForSelectorAsync($"#transfer-agent option[value='{agent}']", Attached);
        await page.SelectOptionAsync("#transfer-agent", agent);
        await page.ClickAsync("#transfer-confirm");
        await page.WaitForSelectorAsync("#transfer-error");
        Assert.Contains(reason, await page.TextContentAsync("#transfer-error"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_downloaded_CSV_holds_exactly_the_listed_chats()
    {
        var (shop, day) = await LoadAsync();
        await using var session = await PageSession.OpenShowingWeekAsync(chromium, service.Host, shop, day);
        var page = session.Page;
        await page.SelectOptionAsync("#page-size", "10");
        var firstDay = PageSession.Day(day);
        var lastDay = PageSession.Day(day.AddDays(6));

        (Filters Filters, string[] Expected)[] cases =
        [
            // Every chat: more than the page shows.
            (new(), AllChatsScenario.NewestFirst),
            (new(Tags: ["refund"], Statuses: ["CHAT_STATUS_ACTIVE"]), ["c05", "c03"]),
        ];
        foreach (var (filters, expected) in cases)
        {
            await ListAsync(session, filters);
            var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#chats-export"));
            Assert.Equal($"chats-{shop}-{firstDay}-{lastDay}.csv", download.SuggestedFilename);
            // The CSV was fetched with the key in its header, never in a URL.
            Assert.Contains(session.Requests, r => r.Url.Contains("/chats.csv?", StringComparison.Ordinal) && r.Headers.GetValueOrDefault("x-api-key") == ServiceHost.TestKey);
            Assert.DoesNotContain(session.Requests, r => r.Url.Contains(ServiceHost.TestKey, StringComparison.Ordinal));
            var records = CsvRecords.Parse(await File.ReadAllTextAsync(await download.PathAsync()));
            Assert.Equal("chat_id", records[0][0]);
            Assert.Equal(expected, records.Skip(1).Select(r => r[0]));
            Assert.Equal(expected.Length.ToString(CultureInfo.InvariantCulture), await page.Locator("#chats-total").GetAttributeAsync("data-value"));
            var listed = await AllRowsAsync(session);
            Assert.Equal(listed, records.Skip(1).Select(r => r[0]));
            await page.WaitForSelectorAsync("#chats-exported");
        }

        Assert.Empty(session.Errors);
    }
}
