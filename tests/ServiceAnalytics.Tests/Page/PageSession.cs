namespace ServiceAnalytics.Tests.Page;

/// <summary>
/// One browser tab on the page, as a person uses it: a fresh context (en-US numbers, a desktop viewport), everything
/// that reaches the console as an error collected in <see cref="Errors"/>, and the steps every page test takes.
/// </summary>
internal sealed class PageSession : IAsyncDisposable
{
    private PageSession(IPage page) => Page = page;

    public IPage Page { get; }

    /// <summary>Console errors and uncaught exceptions, in order.</summary>
    public List<string> Errors { get; } = [];

    /// <summary>Every request the page made: its URL and headers, for checking where a credential travels.</summary>
    public List<(string Url, IReadOnlyDictionary<string, string> Headers)> Requests { get; } = [];

    public static async Task<PageSession> OpenAsync(ChromiumFixture chromium, ServiceHost host)
    {
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = "en-US",
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        var session = new PageSession(await context.NewPageAsync());
        session.Page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                session.AddError(message.Text);
            }
        };
        session.Page.PageError += (_, error) => session.AddError(error);
        session.Page.Request += (_, request) =>
        {
            lock (session.Requests)
            {
                session.Requests.Add((request.Url, request.Headers));
            }
        };
        await session.Page.GotoAsync(host.WebAddress.ToString());
        return session;
    }

    /// <summary>
    /// Where most page tests start: a new tab signed in with <paramref name="credential"/>, showing
    /// <paramref name="shop"/>'s seven days from <paramref name="first"/>.
    /// </summary>
    public static async Task<PageSession> OpenShowingWeekAsync(ChromiumFixture chromium, ServiceHost host, string shop, DateOnly first, string credential = ServiceHost.TestKey)
    {
        var session = await OpenAsync(chromium, host);
        try
        {
            await session.SignInAsync(credential);
            await session.ShowAsync(shop, first, first.AddDays(6));
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>Signs in with an API key, or with a JWT when <paramref name="kind"/> is "bearer".</summary>
    public async Task SignInAsync(string credential, string kind = "api-key")
    {
        await Page.SelectOptionAsync("#credential-kind", kind);
        await Page.FillAsync("#credential-value", credential);
        await Page.ClickAsync("#sign-in button[type=submit]");
    }

    /// <summary>Shows a shop for a custom period and waits until the report says it shows that period.</summary>
    public async Task ShowAsync(string shop, DateOnly first, DateOnly last)
    {
        var (firstDay, lastDay) = (Day(first), Day(last));
        await Page.FillAsync("#shop-id", shop);
        await Page.SelectOptionAsync("#preset", "custom");
        await Page.FillAsync("#first-day", firstDay);
        await Page.FillAsync("#last-day", lastDay);
        await Page.ClickAsync("#query button[type=submit]");
        await Page.WaitForFunctionAsync(
            "([first, last]) => !document.querySelector('#report').hasAttribute('aria-busy') && document.querySelector('#context')?.textContent.includes(first + ' – ' + last)",
            new[] { firstDay, lastDay });
    }

    /// <summary>Waits until All Chats has loaded its current page.</summary>
    public Task WaitForChatListAsync() =>
        Page.WaitForFunctionAsync("() => !document.querySelector('#all-chats').hasAttribute('aria-busy') && document.querySelector('#chats-total') !== null");

    /// <summary>A full-page screenshot under <see cref="ChromiumFixture.ScreenshotFolder"/> for a reviewer to look at.</summary>
    public Task ScreenshotAsync(string name) =>
        Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ChromiumFixture.ScreenshotFolder, $"{name}.png"), FullPage = true });

    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync() => await Page.Context.CloseAsync();

    private void AddError(string error)
    {
        lock (Errors)
        {
            Errors.Add(error);
        }
    }
}
