using Google.Protobuf.Reflection;

namespace ServiceAnalytics.Tests.Page;

/// <summary>
/// The page in a real headless Chromium against the real service: it shows exactly what the RPCs return (read back
/// from each figure's data-value, the RPC's raw number), each breakdown count lists exactly that many chats, and a
/// refused credential asks for another. Screenshots go to <see cref="ChromiumFixture.ScreenshotFolder"/>.
/// </summary>
public sealed class PageTests(ServiceHostFixture service, ChromiumFixture chromium) : IClassFixture<ServiceHostFixture>, IClassFixture<ChromiumFixture>
{
    private AnalyticsService.AnalyticsServiceClient Analytics => new(service.Host.Channel);

    [Fact]
    public async Task The_page_shows_the_RPC_figures_and_each_breakdown_count_lists_that_many_chats()
    {
        var (scenario, day) = PageScenario.Build();
        var ingestion = new IngestionService.IngestionServiceClient(service.Host.Channel);
        Assert.Empty((await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { scenario.Facts } })).Outcome.Rejected);
        var (first, last) = (PageSession.Day(day), PageSession.Day(day.AddDays(6)));
        var overview = await Analytics.GetOverviewAsync(new GetOverviewRequest { ShopId = scenario.ShopId, FirstDay = first, LastDay = last });
        var breakdown = await Analytics.GetStatusBreakdownAsync(new GetStatusBreakdownRequest { ShopId = scenario.ShopId, FirstDay = first, LastDay = last });

        await using var session = await PageSession.OpenShowingWeekAsync(chromium, service.Host, scenario.ShopId, day);
        var page = session.Page;

        await AssertTheOverviewShowsTheRpcFiguresAsync(page, overview);
        await AssertTheTrendsShowTheRpcFiguresAsync(page, scenario.ShopId, first, last);
        await session.ScreenshotAsync("overview-desktop");
        await EachBreakdownCountListsThatManyChatsAsync(session, breakdown);

        await page.SetViewportSizeAsync(390, 844);
        await session.ScreenshotAsync("all-chats-phone");
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await session.ScreenshotAsync("overview-phone");

        // A period without chats says so.
        await session.ShowAsync(scenario.ShopId, day.AddYears(-1), day.AddYears(-1).AddDays(6));
        Assert.True(await page.IsVisibleAsync("#empty"));
        // Every section has answered before the picture is taken: Agents and Tags say the period has none.
        await page.WaitForSelectorAsync("[aria-busy='true']", new() { State = WaitForSelectorState.Detached });
        Assert.Contains("No agent handled or was charged with an inquiry in this period.", await page.Locator("#agents-section").InnerTextAsync());
        Assert.Contains("No chat of this period carries a tag.", await page.Locator("#tags-section").InnerTextAsync());
        await page.SetViewportSizeAsync(1280, 900);
        await session.ScreenshotAsync("empty-period-desktop");

        Assert.Empty(session.Errors);
    }

    /// <summary>Signed in, the overview shows the shop's zone and, for both periods, every figure GetOverview returns.</summary>
    private static async Task AssertTheOverviewShowsTheRpcFiguresAsync(IPage page, GetOverviewResponse overview)
    {
        Assert.False(await page.IsVisibleAsync("#sign-in"));
        Assert.Equal(PageScenario.TimeZone, await page.TextContentAsync("#time-zone"));
        Assert.Equal(overview.TimeZone, await page.TextContentAsync("#time-zone"));
        Assert.NotEmpty(await page.Locator("#as-of").GetAttributeAsync("datetime") ?? "");
        foreach (var (period, metrics) in new[] { ("current", overview.Current), ("previous", overview.Previous) })
        {
            foreach (var (metric, expected) in Figures(metrics))
            {
                var shown = await page.Locator($"tr[data-metric='{metric}'] td[data-period='{period}']").GetAttributeAsync("data-value");
                Assert.True(expected == Parse(shown), $"{period} {metric}: the RPC says {expected?.ToString(CultureInfo.InvariantCulture) ?? "unset"}, the page {shown}");
            }
        }

        Assert.Equal("20", await page.Locator("tr[data-metric='chatsReceived'] td[data-period='current']").TextContentAsync());
    }

    /// <summary>Trends: a chart per headline metric, and the same figures as GetDailyTrends returns them, day by day.</summary>
    private async Task AssertTheTrendsShowTheRpcFiguresAsync(IPage page, string shopId, string first, string last)
    {
        var trends = await Analytics.GetDailyTrendsAsync(new GetDailyTrendsRequest { ShopId = shopId, FirstDay = first, LastDay = last });
        Assert.Equal(5, await page.Locator("#trends figure.trend canvas").CountAsync());
        Assert.Equal(trends.Days.Select(d => d.FirstDay), await page.Locator("#trends-table tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.day)"));
        foreach (var daily in trends.Days)
        {
            var figures = Figures(daily).ToDictionary(f => f.Metric, f => f.Value);
            foreach (var cell in await page.Locator($"#trends-table tr[data-day='{daily.FirstDay}'] td").AllAsync())
            {
                var metric = await cell.GetAttributeAsync("data-metric") ?? "";
                Assert.True(figures[metric] == Parse(await cell.GetAttributeAsync("data-value")), $"{daily.FirstDay} {metric}");
            }
        }
    }

    /// <summary>Each breakdown count, clicked, lists that many chats (ten a page, so twelve take two pages).</summary>
    private static async Task EachBreakdownCountListsThatManyChatsAsync(PageSession session, GetStatusBreakdownResponse breakdown)
    {
        var page = session.Page;
        // The list shows once a count is clicked.
        await page.ClickAsync("li[data-metric='responded24h'] a");
        await session.WaitForChatListAsync();
        await page.SelectOptionAsync("#page-size", "10");
        var counts = BreakdownCounts(breakdown);
        Assert.Equal(PageScenario.Breakdown, counts);
        foreach (var (category, count) in counts)
        {
            var link = page.Locator($"li[data-metric='{category}'] a");
            Assert.Equal(count.ToString(CultureInfo.InvariantCulture), await link.GetAttributeAsync("data-value"));
            await link.ClickAsync();
            await session.WaitForChatListAsync();
            while (await page.IsVisibleAsync("#chats-more"))
            {
                await page.ClickAsync("#chats-more");
                await session.WaitForChatListAsync();
            }

            Assert.Equal(count, await page.Locator("#chats tbody tr").CountAsync());
            Assert.Equal(count.ToString(CultureInfo.InvariantCulture), await page.Locator("#chats-total").GetAttributeAsync("data-value"));
            if (category == "responded24h")
            {
                await session.ScreenshotAsync("all-chats-desktop");
            }
        }
    }

    [Fact]
    public async Task A_shop_without_facts_says_so_and_a_refused_period_shows_the_reason_with_a_retry_that_works()
    {
        var (scenario, day) = PageScenario.Build();
        var ingestion = new IngestionService.IngestionServiceClient(service.Host.Channel);
        Assert.Empty((await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { scenario.Facts } })).Outcome.Rejected);
        await using var session = await PageSession.OpenAsync(chromium, service.Host);
        var page = session.Page;
        await session.SignInAsync(ServiceHost.TestKey);

        // A shop the service has no facts of: no data yet, not an error.
        await page.FillAsync("#shop-id", "shop-without-facts");
        await page.ClickAsync("#query button[type=submit]");
        await page.WaitForSelectorAsync("#no-data");
        Assert.Contains("No data yet for shop “shop-without-facts”", await page.TextContentAsync("#no-data"), StringComparison.Ordinal);
        Assert.False(await page.IsVisibleAsync("#report"));
        await session.ScreenshotAsync("no-data-yet-desktop");

        // A period the service refuses (last day before the first): its reason, naming the field, and a Retry.
        await page.FillAsync("#shop-id", scenario.ShopId);
        await page.SelectOptionAsync("#preset", "custom");
        await page.FillAsync("#first-day", PageSession.Day(day.AddDays(6)));
        await page.FillAsync("#last-day", PageSession.Day(day));
        await page.ClickAsync("#query button[type=submit]");
        await page.WaitForSelectorAsync("#failure");
        Assert.Contains("last_day", await page.TextContentAsync("#failure"), StringComparison.Ordinal);
        Assert.False(await page.IsVisibleAsync("#report"));
        await session.ScreenshotAsync("failed-call-desktop");

        // Corrected, Retry shows the figures.
        await page.FillAsync("#first-day", PageSession.Day(day));
        await page.FillAsync("#last-day", PageSession.Day(day.AddDays(6)));
        await page.ClickAsync("#retry");
        await page.WaitForFunctionAsync("() => !document.querySelector('#report').hidden && !document.querySelector('#report').hasAttribute('aria-busy')");
        Assert.Equal("20", await page.Locator("tr[data-metric='chatsReceived'] td[data-period='current']").GetAttributeAsync("data-value"));
        Assert.False(await page.IsVisibleAsync("#failure"));

        // The browser reports the refused requests itself (404, 400); nothing else may reach the console.
        Assert.All(session.Errors, error => Assert.Matches("404|400", error));
    }

    [Fact]
    public async Task A_wrong_key_asks_for_a_credential_and_the_key_stays_out_of_the_url()
    {
        await using var session = await PageSession.OpenAsync(chromium, service.Host);
        var page = session.Page;
        await session.SignInAsync("not-a-key");
        await page.WaitForSelectorAsync("#sign-in-reason", new PageWaitForSelectorOptions { State = WaitForSelectorState.Visible });

        Assert.Contains("did not accept your credential", await page.TextContentAsync("#sign-in-reason"), StringComparison.Ordinal);
        Assert.True(await page.IsVisibleAsync("#credential-value"));
        Assert.False(await page.IsVisibleAsync("#query"));
        // The key travelled in its header only: in no request's URL, and not in the page's address.
        Assert.DoesNotContain("not-a-key", page.Url, StringComparison.Ordinal);
        Assert.Contains(session.Requests, r => r.Url.Contains("/v1/caller", StringComparison.Ordinal) && r.Headers.GetValueOrDefault("x-api-key") == "not-a-key");
        Assert.DoesNotContain(session.Requests, r => r.Url.Contains("not-a-key", StringComparison.Ordinal));
        Assert.Null(await page.EvaluateAsync<string?>("sessionStorage.getItem('service-analytics.credential')"));
        await session.ScreenshotAsync("wrong-key-desktop");
        // The browser reports the refused request itself; nothing else may reach the console.
        Assert.All(session.Errors, error => Assert.Contains("401", error, StringComparison.Ordinal));
    }

    /// <summary>Every headline figure of a period by the page's name for it (JSON name; ratingDistribution.&lt;stars&gt;), null when unset.</summary>
    private static IEnumerable<(string Metric, double? Value)> Figures(PeriodMetrics metrics)
    {
        foreach (var field in PeriodMetrics.Descriptor.Fields.InFieldNumberOrder().Where(f => f.FieldType != FieldType.String))
        {
            if (field.IsRepeated)
            {
                var stars = (IList<long>)field.Accessor.GetValue(metrics);
                for (var star = 1; star <= 5; star++)
                {
                    yield return ($"{field.JsonName}.{star}", stars[star - 1]);
                }
            }
            else
            {
                yield return (field.JsonName, field.HasPresence && !field.Accessor.HasValue(metrics) ? null : Convert.ToDouble(field.Accessor.GetValue(metrics), CultureInfo.InvariantCulture));
            }
        }
    }

    private static Dictionary<string, long> BreakdownCounts(GetStatusBreakdownResponse breakdown) =>
        GetStatusBreakdownResponse.Descriptor.Fields.InFieldNumberOrder()
            .Where(f => f.FieldType == FieldType.Int64)
            .ToDictionary(f => f.JsonName, f => (long)f.Accessor.GetValue(breakdown));

    private static double? Parse(string? shown) =>
        string.IsNullOrEmpty(shown) ? null : double.Parse(shown, NumberStyles.Float, CultureInfo.InvariantCulture);
}
