using ServiceAnalytics.Tests.Security;

namespace ServiceAnalytics.Tests.Page;

/// <summary>
/// Who may see what, as a person meets it on the page: a caller of several shops picks among them, a shop outside
/// the caller's is refused with a message saying so, an expired token or a credential without the query scope asks
/// for another. The service decides (GetCaller and the authorization of every call); the page says what it decided.
/// </summary>
public sealed class PageAccessTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private ServiceHost? _host;

    private ServiceHost Host => _host ?? throw new InvalidOperationException("The service has not started.");

    public async ValueTask InitializeAsync() => _host = await ServiceHost.StartReadyAsync(Callers.Settings());

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_caller_of_two_shops_picks_either_and_is_told_a_third_is_not_visible()
    {
        var ingestion = new IngestionService.IngestionServiceClient(Host.Channel);
        var (first, day) = PageScenario.Build();
        var (second, _) = PageScenario.Build();
        foreach (var scenario in new[] { first, second })
        {
            Assert.Empty((await ingestion.IngestBatchAsync(new IngestBatchRequest { Facts = { scenario.Facts } })).Outcome.Rejected);
        }

        var shops = new[] { first.ShopId, second.ShopId }.Order(StringComparer.Ordinal).ToArray();
        await using var session = await PageSession.OpenAsync(chromium, Host);
        var page = session.Page;
        await session.SignInAsync(Callers.Token(shops), "bearer");

        // The caller's shops are the shop field's choices, the first chosen and shown at once (last 30 days).
        await page.WaitForFunctionAsync("() => !document.querySelector('#report').hidden && !document.querySelector('#report').hasAttribute('aria-busy')");
        Assert.Equal(shops, await page.Locator("#shop-list option").EvaluateAllAsync<string[]>("options => options.map(o => o.value)"));
        Assert.Equal(shops[0], await page.TextContentAsync("#shop"));
        Assert.Equal("token:app-1", await page.TextContentAsync("#caller-name"));

        await session.ShowAsync(shops[1], day, day.AddDays(6));
        Assert.Equal(shops[1], await page.TextContentAsync("#shop"));
        Assert.Equal("20", await page.Locator("tr[data-metric='chatsReceived'] td[data-period='current']").GetAttributeAsync("data-value"));

        await page.FillAsync("#shop-id", "shop-of-someone-else");
        await page.ClickAsync("#query button[type=submit]");
        await page.WaitForSelectorAsync("#forbidden");
        Assert.Contains("“shop-of-someone-else” is not visible to your credential", await page.TextContentAsync("#forbidden"), StringComparison.Ordinal);
        Assert.False(await page.IsVisibleAsync("#report"));
        // Still signed in: another shop of the caller's shows again.
        await session.ShowAsync(shops[0], day, day.AddDays(6));
        Assert.False(await page.IsVisibleAsync("#forbidden"));
        await page.FillAsync("#shop-id", "shop-of-someone-else");
        await page.ClickAsync("#query button[type=submit]");
        await page.WaitForSelectorAsync("#forbidden");
        await session.ScreenshotAsync("shop-not-visible-desktop");

        // The browser reports each refused request itself; nothing else may reach the console.
        Assert.All(session.Errors, error => Assert.Contains("403", error, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("expired token", "The bearer token has expired.")]
    [InlineData("ingest-only key", "may not read analytics")]
    public async Task A_credential_that_cannot_read_asks_for_another_with_the_reason(string credential, string reason)
    {
        await using var session = await PageSession.OpenAsync(chromium, Host);
        var page = session.Page;
        if (credential == "expired token")
        {
            await session.SignInAsync(Callers.Token(["shop-a"], expires: DateTime.UtcNow.AddMinutes(-5)), "bearer");
        }
        else
        {
            await session.SignInAsync(Callers.Keys["ingest-a"].Key);
        }

        await page.WaitForSelectorAsync("#sign-in-reason", new PageWaitForSelectorOptions { State = WaitForSelectorState.Visible });
        Assert.Contains(reason, await page.TextContentAsync("#sign-in-reason"), StringComparison.Ordinal);
        Assert.False(await page.IsVisibleAsync("#query"));
        Assert.Null(await page.EvaluateAsync<string?>("sessionStorage.getItem('service-analytics.credential')"));
        await session.ScreenshotAsync($"{credential.Replace(' ', '-')}-desktop");
    }
}
