using Google.Protobuf.Reflection;

namespace ServiceAnalytics.Tests.Page;

/// <summary>
/// Agent details, tags, the SLA queue and the hints in a real headless Chromium: the tables show exactly the RPCs'
/// figures (each cell's data-value is the raw value), which equal the scenario's worked by hand; headers sort; each
/// count lists that many chats; the queue reloads by itself; each hint shows for a shop that calls for it and not for
/// one that does not.
/// </summary>
public sealed class AgentsTagsSlaPageTests(ServiceHostFixture service, ChromiumFixture chromium) : IClassFixture<ServiceHostFixture>, IClassFixture<ChromiumFixture>
{
    private AnalyticsService.AnalyticsServiceClient Analytics => new(service.Host.Channel);

    [Fact]
    public async Task Agent_details_and_tags_show_the_RPC_figures_sort_and_each_count_lists_its_chats()
    {
        var (scenario, day) = AgentsTagsSlaScenario.Agents();
        await IngestAsync(scenario.Facts);
        var (first, last) = (PageSession.Day(day), PageSession.Day(day.AddDays(6)));
        var agents = await Analytics.GetAgentDetailsAsync(new GetAgentDetailsRequest { ShopId = scenario.ShopId, FirstDay = first, LastDay = last });
        var tags = await Analytics.GetTagBreakdownAsync(new GetTagBreakdownRequest { ShopId = scenario.ShopId, FirstDay = first, LastDay = last });
        AssertTheRpcFiguresAreTheScenarios(agents, tags);

        await using var session = await PageSession.OpenShowingWeekAsync(chromium, service.Host, scenario.ShopId, day);
        var page = session.Page;
        await WaitForSectionAsync(page, "agents");
        await WaitForSectionAsync(page, "tags");

        await AssertEveryAgentFigureShowsAndSortsAsync(page, agents);
        await AssertEveryTagFigureShowsAsync(page, tags);

        // Nothing in this shop calls for a hint.
        Assert.True(await page.IsVisibleAsync("#hints-none"));
        Assert.Equal(0, await page.Locator("#hints li[data-hint]").CountAsync());
        await session.ScreenshotAsync("agents-tags-desktop");

        await EachCountListsItsChatsAsync(session);

        await page.SetViewportSizeAsync(390, 844);
        await session.ScreenshotAsync("agents-tags-phone");
        await SectionScreenshotAsync(page, "agents-section", "agents-phone-section");
        await SectionScreenshotAsync(page, "tags-section", "tags-phone-section");
        Assert.Empty(session.Errors);
    }

    /// <summary>GetAgentDetails and GetTagBreakdown return the scenario's figures.</summary>
    private static void AssertTheRpcFiguresAreTheScenarios(GetAgentDetailsResponse agents, GetTagBreakdownResponse tags)
    {
        Assert.Equal(AgentsTagsSlaScenario.AgentFigures.Keys.Order(), agents.Agents.Select(a => a.AgentId).Order());
        foreach (var agent in agents.Agents)
        {
            AssertFigures(AgentsTagsSlaScenario.AgentFigures[agent.AgentId], Fields(agent), $"the RPC, agent '{agent.AgentId}'");
        }

        Assert.Equal(AgentsTagsSlaScenario.TagFigures.Select(t => t.Tag), tags.Tags.Select(t => t.Tag));
        foreach (var ((_, expected), tag) in AgentsTagsSlaScenario.TagFigures.Zip(tags.Tags))
        {
            AssertFigures(expected, Fields(tag), $"the RPC, tag {tag.Tag}");
        }
    }

    /// <summary>Every figure of every agent, in the RPC's order (busiest first) until a header is used; sorting by mouse and keyboard.</summary>
    private static async Task AssertEveryAgentFigureShowsAndSortsAsync(IPage page, GetAgentDetailsResponse agents)
    {
        Assert.Equal(agents.Agents.Select(a => a.AgentId), await RowKeysAsync(page, "#agents", "data-agent-id"));
        foreach (var agent in agents.Agents)
        {
            var row = page.Locator($"#agents tr[data-agent-id='{agent.AgentId}']");
            Assert.Equal(agent.AgentId == "" ? "Unassigned" : agent.DisplayName, (await row.Locator("[data-field='agent']").TextContentAsync())?.Trim());
            AssertFigures(Fields(agent), await ShownAsync(row, Fields(agent).Keys), $"the page, agent '{agent.AgentId}'");
        }

        Assert.Equal(new[] { "a1", "a2", "" }, await RowKeysAsync(page, "#agents", "data-agent-id"));
        await page.ClickAsync("#agents th[data-field='chatsHandled'] button");
        Assert.Equal("descending", await page.GetAttributeAsync("#agents th[data-field='chatsHandled']", "aria-sort"));
        Assert.Equal(new[] { "a1", "a2", "" }, await RowKeysAsync(page, "#agents", "data-agent-id"));
        await page.ClickAsync("#agents th[data-field='chatsHandled'] button");
        Assert.Equal("ascending", await page.GetAttributeAsync("#agents th[data-field='chatsHandled']", "aria-sort"));
        Assert.Equal(new[] { "", "a2", "a1" }, await RowKeysAsync(page, "#agents", "data-agent-id"));
        // By keyboard; an unset satisfaction (the unassigned entry handled no chat) sorts last both ways.
        await page.FocusAsync("#agents th[data-field='satisfactionRate'] button");
        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("descending", await page.GetAttributeAsync("#agents th[data-field='satisfactionRate']", "aria-sort"));
        Assert.Null(await page.GetAttributeAsync("#agents th[data-field='chatsHandled']", "aria-sort"));
        Assert.Equal(new[] { "a2", "a1", "" }, await RowKeysAsync(page, "#agents", "data-agent-id"));
        await page.Keyboard.PressAsync("Space");
        Assert.Equal(new[] { "a1", "a2", "" }, await RowKeysAsync(page, "#agents", "data-agent-id"));
        await page.ClickAsync("#agents th[data-field='agent'] button");
        Assert.Equal("ascending", await page.GetAttributeAsync("#agents th[data-field='agent']", "aria-sort"));
        Assert.Equal(new[] { "a1", "a2", "" }, await RowKeysAsync(page, "#agents", "data-agent-id"));
    }

    /// <summary>The tags, most frequent first, every figure.</summary>
    private static async Task AssertEveryTagFigureShowsAsync(IPage page, GetTagBreakdownResponse tags)
    {
        Assert.Equal(tags.Tags.Select(t => t.Tag), await RowKeysAsync(page, "#tags", "data-tag"));
        foreach (var tag in tags.Tags)
        {
            var row = page.Locator($"#tags tr[data-tag='{tag.Tag}']");
            AssertFigures(Fields(tag), await ShownAsync(row, Fields(tag).Keys), $"the page, tag {tag.Tag}");
        }
    }

    /// <summary>Every count is a link listing that many chats (one inquiry per chat here, so inquiry counts too), and which chats.</summary>
    private static async Task EachCountListsItsChatsAsync(PageSession session)
    {
        var page = session.Page;
        var links = page.Locator("#agents a[data-drill], #tags a[data-drill]");
        var linkCount = await links.CountAsync();
        // Nine counts per agent; the unassigned entry links its four inquiry counts only; six per tag.
        Assert.Equal((9 * 2) + 4 + (6 * 2), linkCount);
        await page.ClickAsync("#agents a[data-drill]");
        await session.WaitForChatListAsync();
        await page.SelectOptionAsync("#page-size", "100");
        for (var i = 0; i < linkCount; i++)
        {
            var link = links.Nth(i);
            var count = await link.GetAttributeAsync("data-value");
            await link.ClickAsync();
            await session.WaitForChatListAsync();
            Assert.True(count == await page.GetAttributeAsync("#chats-total", "data-value"), $"link {i} ({await link.GetAttributeAsync("data-drill")}): {count} on the link");
            Assert.Equal(int.Parse(count!, CultureInfo.InvariantCulture), await page.Locator("#chats tbody tr").CountAsync());
        }

        foreach (var (agent, field, chats) in AgentsTagsSlaScenario.Lists)
        {
            await page.ClickAsync($"#agents tr[data-agent-id='{agent}'] a[data-drill='{field}']");
            await session.WaitForChatListAsync();
            Assert.Equal(chats, await RowKeysAsync(page, "#chats", "data-chat-id"));
        }

        await page.ClickAsync("#tags tr[data-tag='shipping'] a[data-drill='assistantSolved']");
        await session.WaitForChatListAsync();
        Assert.Equal(new[] { "s1", "s0" }, await RowKeysAsync(page, "#chats", "data-chat-id"));
    }

    [Fact]
    public async Task The_SLA_queue_lists_pending_inquiries_most_urgent_first_and_reloads_by_itself()
    {
        var (scenario, day) = AgentsTagsSlaScenario.Agents();
        var built = DateTime.UtcNow;
        await IngestAsync(scenario.Facts);

        await using var session = await PageSession.OpenAsync(chromium, service.Host);
        var page = session.Page;
        // Reload every second instead of every 30.
        await page.EvalOnSelectorAsync("#sla-section", "section => section.dataset.refreshSeconds = '1'");
        await session.SignInAsync(ServiceHost.TestKey);
        await session.ShowAsync(scenario.ShopId, day, day.AddDays(6));
        await WaitForSectionAsync(page, "sla");

        Assert.Equal(new[] { "w2", "w0", "w1" }, await RowKeysAsync(page, "#sla", "data-chat-id"));
        // 30 min, 4 h and 22 h left when the scenario was built, less the time since.
        foreach (var (chat, hours) in new[] { ("w2", 0.5), ("w0", 4.0), ("w1", 22.0) })
        {
            var left = double.Parse((await page.GetAttributeAsync($"#sla tr[data-chat-id='{chat}'] td[data-field='secondsLeft']", "data-value"))!, CultureInfo.InvariantCulture);
            var elapsed = (DateTime.UtcNow - built).TotalSeconds;
            Assert.InRange(left, (hours * 3600) - elapsed - 1, hours * 3600);
        }

        // Half an hour left at the scenario's start, less the seconds since.
        Assert.Matches(@"^2\d min( \d+ s)?$", await page.TextContentAsync("#sla tr[data-chat-id='w2'] td.left"));
        Assert.Contains("urgent", await page.GetAttributeAsync("#sla tr[data-chat-id='w2']", "class") ?? "", StringComparison.Ordinal);
        Assert.DoesNotContain("urgent", await page.GetAttributeAsync("#sla tr[data-chat-id='w0']", "class") ?? "", StringComparison.Ordinal);
        Assert.Equal("a1", (await page.TextContentAsync("#sla tr[data-chat-id='w0'] td:last-child"))?.Trim());
        var refreshedAt = await page.GetAttributeAsync("#sla-refreshed time", "datetime");
        await session.ScreenshotAsync("sla-desktop");

        // A new inquiry with 10 minutes left shows at the top at the next reload, without reloading the page.
        var more = new FactScenario(scenario.ShopId);
        AgentsTagsSlaScenario.Pending(more, "w3", DateTime.UtcNow.AddHours(-23).AddMinutes(-50), "");
        await IngestAsync(more.Facts);
        await page.WaitForSelectorAsync("#sla tr[data-chat-id='w3']", new PageWaitForSelectorOptions { Timeout = 15_000 });
        Assert.Equal(new[] { "w3", "w2", "w0", "w1" }, await RowKeysAsync(page, "#sla", "data-chat-id"));
        Assert.NotEqual(refreshedAt, await page.GetAttributeAsync("#sla-refreshed time", "datetime"));

        // At a phone's width the agent who has to answer shows without scrolling; when it was asked is left out.
        await page.SetViewportSizeAsync(390, 844);
        Assert.False(await page.IsVisibleAsync("#sla td.asked"));
        var agent = await page.Locator("#sla tbody tr td.agent").First.BoundingBoxAsync();
        Assert.True(agent is { } box && box.X + box.Width <= 390, $"the first row's agent cell ends at {agent?.X + agent?.Width} px, past the 390 px screen");
        await session.ScreenshotAsync("sla-phone");
        await SectionScreenshotAsync(page, "sla-section", "sla-phone-section");

        // Signing out hides the report and stops the reloads: no call reaches the service afterwards.
        await page.ClickAsync("#sign-out");
        var calls = 0;
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("/sla-queue", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref calls);
            }
        };
        await Task.Delay(2500);
        Assert.Equal(0, Volatile.Read(ref calls));
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task Each_hint_shows_for_a_shop_that_calls_for_it_with_the_figures_it_rests_on()
    {
        var (scenario, day) = AgentsTagsSlaScenario.Neglected();
        await IngestAsync(scenario.Facts);
        var (first, last) = (PageSession.Day(day), PageSession.Day(day.AddDays(6)));
        var overview = await Analytics.GetOverviewAsync(new GetOverviewRequest { ShopId = scenario.ShopId, FirstDay = first, LastDay = last });
        var breakdown = await Analytics.GetStatusBreakdownAsync(new GetStatusBreakdownRequest { ShopId = scenario.ShopId, FirstDay = first, LastDay = last });
        // The figures the hints rest on, by hand (AgentsTagsSlaScenario.Neglected).
        Assert.Equal((10L, 0L, 5L, 0L, 1L), (overview.Current.ChatsReceived, overview.Current.ChatsRated, breakdown.NonResponded, breakdown.AssistantSolved, breakdown.RespondedLate));
        Assert.True(overview.Current.HasRatedShare && overview.Current.HasConversionRate && overview.Current.HasSatisfactionRate && overview.Current.HasResponseRate24H);
        Assert.Equal((0.0, 0.0, 0.0, 0.4), (overview.Current.RatedShare, overview.Current.ConversionRate, overview.Current.SatisfactionRate, overview.Current.ResponseRate24H));
        Assert.Equal((10L, 1.0, 1.0), (overview.Previous.ChatsReceived, overview.Previous.SatisfactionRate, overview.Previous.ResponseRate24H));

        await using var session = await PageSession.OpenShowingWeekAsync(chromium, service.Host, scenario.ShopId, day);
        var page = session.Page;

        var expected = new Dictionary<string, Dictionary<string, double?>>
        {
            ["few-ratings"] = new() { ["chatsRated"] = 0, ["chatsReceived"] = 10, ["ratedShare"] = 0, ["nonResponded"] = 5 },
            ["assistant-low"] = new() { ["assistantSolved"] = 0, ["chatsReceived"] = 10 },
            ["low-conversion"] = new() { ["conversionRate"] = 0, ["respondedLate"] = 1, ["nonResponded"] = 5, ["responseRate24h"] = 0.4 },
            ["satisfaction-falling"] = new() { ["satisfactionRate"] = 0, ["previous.satisfactionRate"] = 1 },
            ["response-rate-falling"] = new() { ["responseRate24h"] = 0.4, ["previous.responseRate24h"] = 1 },
        };
        Assert.Equal(expected.Keys, await RowKeysAsync(page, "#hints", "data-hint"));
        foreach (var (hint, figures) in expected)
        {
            var item = page.Locator($"#hints li[data-hint='{hint}']");
            var shown = new Dictionary<string, double?>();
            foreach (var element in await item.Locator("[data-figure]").AllAsync())
            {
                shown[(await element.GetAttributeAsync("data-figure"))!] = Parse(await element.GetAttributeAsync("data-value"));
            }

            AssertFigures(figures, shown, $"hint {hint}");
        }

        Assert.False(await page.IsVisibleAsync("#hints-none"));
        await session.ScreenshotAsync("hints-desktop");
        await page.SetViewportSizeAsync(390, 844);
        await session.ScreenshotAsync("hints-phone");
        await SectionScreenshotAsync(page, "hints-section", "hints-phone-section");
        Assert.Empty(session.Errors);
    }

    private async Task IngestAsync(IEnumerable<Fact> facts)
    {
        var ingestion = new IngestionService.IngestionServiceClient(service.Host.Channel);
        Assert.Empty((await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { facts } })).Outcome.Rejected);
    }

    /// <summary>One section alone, legible where a full-page phone screenshot is too tall to read.</summary>
    private static Task SectionScreenshotAsync(IPage page, string id, string name) =>
        page.Locator($"#{id}").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(ChromiumFixture.ScreenshotFolder, $"{name}.png") });

    private static Task WaitForSectionAsync(IPage page, string name) =>
        page.WaitForFunctionAsync(
            "name => !document.querySelector(`#${name}-section`).hasAttribute('aria-busy') && document.querySelector(`#${name} tbody`) !== null",
            name);

    private static async Task<List<string>> RowKeysAsync(IPage page, string table, string attribute) =>
        [.. (await page.Locator($"{table} [{attribute}]").EvaluateAllAsync<string[]>($"rows => rows.map(row => row.getAttribute('{attribute}'))"))];

    /// <summary>A message's numeric fields by JSON name, null for an unset optional one.</summary>
    private static Dictionary<string, double?> Fields(IMessage message) =>
        message.Descriptor.Fields.InFieldNumberOrder()
            .Where(f => f.FieldType is not FieldType.String and not FieldType.Message)
            .ToDictionary(
                f => f.JsonName,
                f => f.HasPresence && !f.Accessor.HasValue(message) ? (double?)null : Convert.ToDouble(f.Accessor.GetValue(message), CultureInfo.InvariantCulture));

    private static async Task<Dictionary<string, double?>> ShownAsync(ILocator row, IEnumerable<string> fields)
    {
        var shown = new Dictionary<string, double?>();
        foreach (var field in fields)
        {
            shown[field] = Parse(await row.Locator($"[data-field='{field}']").GetAttributeAsync("data-value"));
        }

        return shown;
    }

    private static void AssertFigures(IReadOnlyDictionary<string, double?> expected, IReadOnlyDictionary<string, double?> actual, string where)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (field, value) in expected)
        {
            var shown = actual[field];
            var equal = value is null ? shown is null : shown is not null && Math.Abs(value.Value - shown.Value) < 1e-9;
            Assert.True(equal, $"{where}, {field}: expected {value?.ToString(CultureInfo.InvariantCulture) ?? "unset"}, got {shown?.ToString(CultureInfo.InvariantCulture) ?? "unset"}");
        }
    }

    private static double? Parse(string? shown) =>
        string.IsNullOrEmpty(shown) ? null : double.Parse(shown, NumberStyles.Float, CultureInfo.InvariantCulture);
}
