using ServiceAnalytics.Server.Security;

namespace ServiceAnalytics.Tests.Page;

/// <summary>
/// All Chats in a real headless Chromium against the real service, over <see cref="AllChatsScenario"/>: each filter
/// lists exactly the chats the scenario's table says, with that total, over keyset pages; a row opens the chat's
/// timeline as GetChat returns it; a transfer moves the chat (GetChat and ListChats over gRPC agree) and a refused
/// one shows the service's reason; a caller without the transfer scope is not offered transfers; the CSV the
/// browser downloads holds exactly the listed chats. Each test loads a shop of its own.
/// </summary>
public sealed partial class AllChatsPageTests(AllChatsPageTests.HostFixture service, ChromiumFixture chromium)
    : IClassFixture<AllChatsPageTests.HostFixture>, IClassFixture<ChromiumFixture>
{
    /// <summary>A key with the query scope only, every shop: it may list chats but not transfer them.</summary>
    private const string QueryOnlyKey = "all-chats-query-only-key";

    /// <summary>The service with the test key (every scope) and <see cref="QueryOnlyKey"/>.</summary>
    public sealed class HostFixture : IAsyncLifetime
    {
        private ServiceHost? _host;

        public ServiceHost Host => _host ?? throw new InvalidOperationException("The service has not started.");

        public async ValueTask InitializeAsync() => _host = await ServiceHost.StartReadyAsync(new Dictionary<string, string?>
        {
            ["Security:ApiKeys:1:Id"] = "page-query-only",
            ["Security:ApiKeys:1:Sha256"] = ApiKeyRing.HashHex(QueryOnlyKey),
            ["Security:ApiKeys:1:Scopes:0"] = "query",
            ["Security:ApiKeys:1:Shops:0"] = "*",
        });

        public async ValueTask DisposeAsync()
        {
            if (_host is not null)
            {
                await _host.DisposeAsync();
            }
        }
    }

    /// <summary>An option is never "visible" to Playwright; present is what the dialog waits for.</summary>
    private static readonly PageWaitForSelectorOptions Attached = new() { State = WaitForSelectorState.Attached };

    private AnalyticsService.AnalyticsServiceClient Analytics => new(service.Host.Channel);

    [Fact]
    public async Task Each_filter_lists_exactly_its_chats_with_the_RPC_total_over_keyset_pages()
    {
        var (shop, day) = await LoadAsync();
        await using var session = await PageSession.OpenAsync(chromium, service.Host);
        var page = session.Page;
        var listCalls = 0;
        page.Request += (_, request) => listCalls += request.Url.Contains("/chats?", StringComparison.Ordinal) ? 1 : 0;
        await session.SignInAsync(ServiceHost.TestKey);
        await session.ShowAsync(shop, day, day.AddDays(6));

        // The section is there, listing nothing: the first view asks for no list.
        Assert.True(await page.IsVisibleAsync("#chats-filters"));
        Assert.Equal(0, await page.Locator("#chats tbody tr").CountAsync());
        Assert.Equal(0, listCalls);

        await PagesThroughEveryChatAsync(session);
        await EachFilterListsExactlyItsChatsAsync(session, shop, day);
        await ScreenshotTheFilteredListAsync(session);
        await DrillDownsShowTheirCriteriaAsync(session);
        Assert.Empty(session.Errors);
    }

    /// <summary>Every chat, ten a page: two pages, newest first; a new list starts from its own first page.</summary>
    private static async Task PagesThroughEveryChatAsync(PageSession session)
    {
        var page = session.Page;
        // Every chat, ten a page: two pages, newest first.
        await page.SelectOptionAsync("#page-size", "10");
        await ListAsync(session);
        Assert.Equal(AllChatsScenario.NewestFirst[..10], await RowsAsync(page));
        Assert.Equal("12", await page.Locator("#chats-total").GetAttributeAsync("data-value"));
        Assert.Contains("showing 10.", await page.TextContentAsync("#chats-summary"), StringComparison.Ordinal);
        Assert.Contains("All chats", await page.TextContentAsync("#chats-filter"), StringComparison.Ordinal);
        await page.ClickAsync("#chats-more");
        await session.WaitForChatListAsync();
        Assert.Equal(AllChatsScenario.NewestFirst, await RowsAsync(page));
        Assert.False(await page.IsVisibleAsync("#chats-more"));
        Assert.Contains("showing 12.", await page.TextContentAsync("#chats-summary"), StringComparison.Ordinal);

        // A new filter starts from its own first page, whatever page the previous list was at.
        await ListAsync(session);
        Assert.True(await page.IsVisibleAsync("#chats-more"));
    }

    /// <summary>Each filter lists exactly the scenario's chats, with the total ListChats gives for the same filter.</summary>
    private async Task EachFilterListsExactlyItsChatsAsync(PageSession session, string shop, DateOnly day)
    {
        var page = session.Page;
        (string Case, Filters Filters, string[] Expected)[] cases =
        [
            ("type", new(Types: ["CHAT_TYPE_NON_RESPONDED"]), ["c05"]),
            ("types", new(Types: ["CHAT_TYPE_RESPONDED_LATE", "CHAT_TYPE_ASSISTANT_SOLVED"]), ["c06", "c04"]),
            ("tag", new(Tags: ["refund"]), ["c05", "c03", "c01"]),
            ("tags", new(Tags: ["shipping", "pre-sale"]), ["c10", "c08", "c07", "c03", "c02"]),
            ("current agent", new(Agents: ["a1"]), ["c08", "c05", "c02", "c01"]),
            ("agents", new(Agents: ["a2", "a3"]), ["c12", "c11", "c10", "c09", "c04", "c03"]),
            ("status", new(Statuses: ["CHAT_STATUS_ACTIVE"]), ["c12", "c11", "c09", "c08", "c07", "c05", "c03"]),
            ("statuses", new(Statuses: ["CHAT_STATUS_RESOLVED", "CHAT_STATUS_ENDED"]), ["c10", "c06", "c04", "c02", "c01"]),
            ("customer", new(Customer: "u3"), ["c06", "c05"]),
            ("status and agent", new(Statuses: ["CHAT_STATUS_ACTIVE"], Agents: ["a1"]), ["c08", "c05"]),
        ];
        foreach (var (name, filters, expected) in cases)
        {
            await ListAsync(session, filters);
            var rows = await AllRowsAsync(session);
            Assert.True(expected.SequenceEqual(rows), $"{name}: expected {string.Join(",", expected)}, listed {string.Join(",", rows)}");
            Assert.Equal(expected.Length.ToString(CultureInfo.InvariantCulture), await page.Locator("#chats-total").GetAttributeAsync("data-value"));
            Assert.Contains($"showing {expected.Length}.", await page.TextContentAsync("#chats-summary"), StringComparison.Ordinal);
            var rpc = await Analytics.ListChatsAsync(filters.Request(shop, day));
            Assert.Equal(expected.Length, rpc.Total);
        }
    }

    /// <summary>The list shown last: screenshots of a filtered list, desktop and phone.</summary>
    private static async Task ScreenshotTheFilteredListAsync(PageSession session)
    {
        var page = session.Page;
        await session.ScreenshotAsync("all-chats-filtered-desktop");
        await page.SetViewportSizeAsync(390, 844);
        await session.ScreenshotAsync("all-chats-filtered-phone");
        await PartScreenshotAsync(page, "#all-chats", "all-chats-filtered-phone-section");
        // Only the table scrolls sideways at a phone's width, not the page.
        Assert.True(await page.EvaluateAsync<int>("document.documentElement.scrollWidth") <= 390);
        await page.SetViewportSizeAsync(1280, 900);
    }

    /// <summary>
    /// A drill-down's criteria show in the form, its label above the list; an inquiry drill-down, which has no control
    /// in the form, keeps its label and matching inquiries when the list is narrowed.
    /// </summary>
    private static async Task DrillDownsShowTheirCriteriaAsync(PageSession session)
    {
        var page = session.Page;
        // A drill-down's criteria show in the form, its label above the list.
        await page.ClickAsync("li[data-metric='nonResponded'] a");
        await session.WaitForChatListAsync();
        Assert.Equal(["c05"], await RowsAsync(page));
        Assert.Contains("Not responded", await page.TextContentAsync("#chats-filter"), StringComparison.Ordinal);
        Assert.True(await page.IsCheckedAsync("#filter-types input[value='CHAT_TYPE_NON_RESPONDED']"));
        Assert.Contains("Not responded", await page.TextContentAsync("#filter-types summary"), StringComparison.Ordinal);

        // An inquiry drill-down (Bo's inquiries answered: c03, c04 late, c09, c11, c12) has no control in the form: its
        // label heads the list, the RPC's matching inquiries show beside the total, and narrowing the list keeps it.
        await page.ClickAsync("#agents-section tr[data-agent-id='a2'] a[data-drill='inquiriesAnswered']");
        await session.WaitForChatListAsync();
        Assert.Equal(["c12", "c11", "c09", "c04", "c03"], await RowsAsync(page));
        Assert.Equal("5", await page.Locator("#chats-matching-inquiries").GetAttributeAsync("data-value"));
        var drillLabel = await page.TextContentAsync("#chats-filter") ?? "";
        Assert.False(await page.IsCheckedAsync("#filter-types input[value='CHAT_TYPE_NON_RESPONDED']"));
        await OpenChoicesAsync(page, "#filter-statuses");
        await page.CheckAsync("#filter-statuses input[value='CHAT_STATUS_ACTIVE']");
        await page.ClickAsync("#chats-list");
        await session.WaitForChatListAsync();
        Assert.Equal(["c12", "c11", "c09", "c03"], await RowsAsync(page));
        Assert.Equal("4", await page.Locator("#chats-matching-inquiries").GetAttributeAsync("data-value"));
        Assert.Contains(drillLabel.TrimStart('—', ' '), await page.TextContentAsync("#chats-filter"), StringComparison.Ordinal);
        Assert.Contains("Status: Active", await page.TextContentAsync("#chats-filter"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_row_opens_the_chats_timeline_in_the_shops_zone()
    {
        var (shop, day) = await LoadAsync();
        var chat = await Analytics.GetChatAsync(new GetChatRequest { ShopId = shop, ChatId = "c11" });
        await using var session = await PageSession.OpenShowingWeekAsync(chromium, service.Host, shop, day);
        var page = session.Page;
        await ListAsync(session, new(Customer: "u6"));

        // By keyboard: the row's chat button takes focus and Enter opens the timeline.
        await page.FocusAsync("#chats tr[data-chat-id='c11'] button[data-action='timeline']");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForFunctionAsync("() => document.querySelector('#timeline-dialog').open && !document.querySelector('#timeline-dialog').hasAttribute('aria-busy') && document.querySelectorAll('#timeline li[data-event-id]').length > 0");

        var shown = await page.Locator("#timeline li").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.eventId)");
        Assert.Equal(chat.Timeline.Select(e => e.EventId), shown);
        Assert.Equal(["chat_started", "message_sent", "assigned", "assigned", "message_sent"], chat.Timeline.Select(e => e.Kind));
        // ICU puts a narrow no-break space before AM/PM.
        var texts = (await page.Locator("#timeline li").AllInnerTextsAsync()).Select(t => t.Replace('\u202f', ' ')).ToList();
        // Received at 10:00 in Kolkata (04:30 UTC); the transfer at 12:00, the reply at 13:00.
        Assert.Contains("10:00:00 AM", texts[0], StringComparison.Ordinal);
        Assert.Contains("Customer: text", texts[1], StringComparison.Ordinal);
        Assert.Contains("Assigned to a1", texts[2], StringComparison.Ordinal);
        Assert.Contains("12:00:00 PM", texts[3], StringComparison.Ordinal);
        Assert.Contains("Assigned to a2 (from a1)", texts[3], StringComparison.Ordinal);
        Assert.Contains("Agent a2: text", texts[4], StringComparison.Ordinal);
        await session.ScreenshotAsync("timeline-desktop");
        await page.SetViewportSizeAsync(390, 844);
        await session.ScreenshotAsync("timeline-phone");
        await PartScreenshotAsync(page, "#timeline-dialog", "timeline-phone-dialog");

        await page.Keyboard.PressAsync("Escape");
        Assert.False(await page.IsVisibleAsync("#timeline-dialog"));
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task A_caller_with_only_the_query_scope_is_not_offered_transfers()
    {
        var (shop, day) = await LoadAsync();
        await using var session = await PageSession.OpenShowingWeekAsync(chromium, service.Host, shop, day, QueryOnlyKey);
        var page = session.Page;
        await ListAsync(session, new(Statuses: ["CHAT_STATUS_ACTIVE"]));

        Assert.Equal(7, await page.Locator("#chats tbody tr").CountAsync());
        Assert.Equal(0, await page.Locator("#chats button[data-action='transfer']").CountAsync());
        Assert.True(await page.IsVisibleAsync("#chats-transfer-note"));
        // The same list for the key with every scope offers a transfer on each active chat.
        await page.ClickAsync("#sign-out");
        await session.SignInAsync(ServiceHost.TestKey);
        await session.ShowAsync(shop, day, day.AddDays(6));
        await ListAsync(session, new(Statuses: ["CHAT_STATUS_ACTIVE"]));
        Assert.Equal(7, await page.Locator("#chats button[data-action='transfer']").CountAsync());
        Assert.False(await page.IsVisibleAsync("#chats-transfer-note"));
        Assert.Empty(session.Errors);
    }
}
