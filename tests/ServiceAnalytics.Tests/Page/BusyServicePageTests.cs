using ServiceAnalytics.Server.Services;

namespace ServiceAnalytics.Tests.Page;

/// <summary>
/// The page when the service answers as many queries as it can (query admission, README "Admission"): the person
/// is told so at once, with a Retry that shows the figures once the service has a turn for them. A service of its own,
/// with two turns and a 1 s wait.
/// </summary>
public sealed class BusyServicePageTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private ServiceHost? _host;

    private ServiceHost Host => _host ?? throw new InvalidOperationException("The service has not started.");

    public async ValueTask InitializeAsync() => _host = await ServiceHost.StartReadyAsync(new Dictionary<string, string?>
    {
        ["Query:MaxConcurrentQueries"] = "2",
        ["Query:QueryQueueWait"] = "00:00:01",
    });

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_busy_service_says_so_and_retry_shows_the_figures_once_it_has_a_turn()
    {
        var (scenario, day) = PageScenario.Build();
        var analytics = new AnalyticsService.AnalyticsServiceClient(Host.Channel);
        Assert.Empty((await new IngestionService.IngestionServiceClient(Host.Channel).IngestBatchAsync(new IngestBatchRequest { Facts = { scenario.Facts } })).Outcome.Rejected);
        await using var session = await PageSession.OpenAsync(chromium, Host);
        var page = session.Page;
        await session.SignInAsync(ServiceHost.TestKey);
        await page.WaitForSelectorAsync("#query", new() { State = WaitForSelectorState.Visible });
        await page.FillAsync("#shop-id", scenario.ShopId);
        await page.SelectOptionAsync("#preset", "custom");
        await page.FillAsync("#first-day", PageSession.Day(day));
        await page.FillAsync("#last-day", PageSession.Day(day.AddDays(6)));

        // Two other callers' queries hold both turns for 3 s: they wait for engine connections that sleeps hold.
        var pool = Host.Store.Engine!.Pool;
        var sleeps = Enumerable.Range(0, pool.MaxConnections - pool.ReservedConnections)
            .Select(_ => Host.Store.Client.ExecuteScalarAsync("SELECT sleep(3)")).ToArray();
        while (pool.InUse < pool.MaxConnections - pool.ReservedConnections)
        {
            await Task.Delay(10);
        }

        var admission = Host.App.Services.GetRequiredService<QueryAdmission>();
        var period = new GetOverviewRequest { ShopId = scenario.ShopId, FirstDay = PageSession.Day(day), LastDay = PageSession.Day(day.AddDays(6)) };
        var others = Enumerable.Range(0, 2).Select(_ => analytics.GetOverviewAsync(period).ResponseAsync).ToArray();
        while (admission.Answering < 2)
        {
            await Task.Delay(10);
        }

        await page.ClickAsync("#query button[type=submit]");
        await page.WaitForSelectorAsync("#failure");
        var failure = await page.TextContentAsync("#failure");
        Assert.Contains("The service is busy", failure, StringComparison.Ordinal);
        Assert.False(await page.IsVisibleAsync("#report"));
        Assert.DoesNotContain(others, call => call.IsCompleted);
        await session.ScreenshotAsync("busy-service-desktop");

        // Once the other queries are answered, Retry shows the figures.
        await Task.WhenAll(sleeps);
        var expected = (await Task.WhenAll(others))[0].Current.ChatsReceived;
        await page.ClickAsync("#retry");
        await page.WaitForFunctionAsync("() => !document.querySelector('#report').hidden && !document.querySelector('#report').hasAttribute('aria-busy')");
        Assert.Equal(expected.ToString(CultureInfo.InvariantCulture), await page.Locator("tr[data-metric='chatsReceived'] td[data-period='current']").GetAttributeAsync("data-value"));
        Assert.Equal(20, expected);
        Assert.False(await page.IsVisibleAsync("#failure"));
        // The browser reports the refused requests itself (429); nothing else may reach the console.
        Assert.All(session.Errors, error => Assert.Contains("429", error, StringComparison.Ordinal));
    }
}
