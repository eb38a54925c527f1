namespace ServiceAnalytics.Tests.Page;

/// <summary>All Chats' page steps: the form's filters, loading the scenario, listing, reading rows.</summary>
public sealed partial class AllChatsPageTests
{
    /// <summary>The All Chats form's values; each list is one repeated ListChats field.</summary>
    private sealed record Filters(string[]? Types = null, string[]? Statuses = null, string[]? Tags = null, string[]? Agents = null, string? Customer = null)
    {
        public ListChatsRequest Request(string shop, DateOnly day)
        {
            var request = new ListChatsRequest { ShopId = shop, FirstDay = PageSession.Day(day), LastDay = PageSession.Day(day.AddDays(6)), PageSize = 200, CustomerId = Customer ?? "" };
            request.ChatTypes.Add((Types ?? []).Select(name => (ChatType)Number("ChatType", name)));
            request.Statuses.Add((Statuses ?? []).Select(name => (ChatStatus)Number("ChatStatus", name)));
            request.Tags.Add(Tags ?? []);
            request.AgentIds.Add(Agents ?? []);
            return request;
        }

        /// <summary>An enum value's number by its proto name, the name the page and the JSON door use.</summary>
        private static int Number(string enumName, string valueName) =>
            AnalyticsServiceReflection.Descriptor.EnumTypes.Single(e => e.Name == enumName).FindValueByName(valueName).Number;
    }

    private async Task<(string Shop, DateOnly Day)> LoadAsync()
    {
        var (scenario, day) = AllChatsScenario.Build();
        var ingestion = new IngestionService.IngestionServiceClient(service.Host.Channel);
        Assert.Empty((await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { scenario.Facts } })).Outcome.Rejected);
        return (scenario.ShopId, day);
    }

    /// <summary>Sets the form as a person would (clear, open each choice, tick, type) and lists.</summary>
    private static async Task ListAsync(PageSession session, Filters? filters = null)
    {
        var page = session.Page;
        await page.ClickAsync("#chats-clear");
        foreach (var (choices, values) in new[] { ("#filter-types", filters?.Types), ("#filter-statuses", filters?.Statuses), ("#filter-tags", filters?.Tags), ("#filter-agents", filters?.Agents) })
        {
            if (values is null)
            {
                continue;
            }

            await OpenChoicesAsync(page, choices);
            foreach (var value in values)
            {
                // Tags and agents are offered once their RPC answers.
                await page.CheckAsync($"{choices} input[value='{value}']");
            }
        }

        await page.FillAsync("#filter-customer", filters?.Customer ?? "");
        await page.ClickAsync("#chats-list");
        await session.WaitForChatListAsync();
    }

    /// <summary>One part of the page alone, for a reviewer: a full page at a phone's width is too tall to read.</summary>
    private static Task PartScreenshotAsync(IPage page, string selector, string name) =>
        page.Locator(selector).ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(ChromiumFixture.ScreenshotFolder, $"{name}.png") });

    /// <summary>Opens a filter's disclosure (by its summary, as a person would) unless it is open already.</summary>
    private static async Task OpenChoicesAsync(IPage page, string choices)
    {
        if (!await page.EvaluateAsync<bool>("selector => document.querySelector(selector).open", choices))
        {
            await page.ClickAsync($"{choices} summary");
        }
    }

    /// <summary>Every page of the list ("More chats" until there is none), its chat ids in order.</summary>
    private static async Task<string[]> AllRowsAsync(PageSession session)
    {
        while (await session.Page.IsVisibleAsync("#chats-more"))
        {
            await session.Page.ClickAsync("#chats-more");
            await session.WaitForChatListAsync();
        }

        return await RowsAsync(session.Page);
    }

    private static Task<string[]> RowsAsync(IPage page) =>
        page.Locator("#chats tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.chatId)");
}
