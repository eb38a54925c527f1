namespace ServiceAnalytics.Tests.Page;

/// <summary>
/// Debian's Chromium driven by Playwright for .NET: Playwright cannot download its own browser on these machines, and
/// CI installs this one (<c>.ci/run</c>). A missing browser fails the tests with what to install, never skips them.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium has not started.");

    /// <summary>Where the page tests leave their screenshots for a reviewer: beside the test binary, kept between runs.</summary>
    public static string ScreenshotFolder { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"The page tests need Chromium at {ExecutablePath} (Debian's chromium package): run `apt-get update && apt-get install -y chromium` as root (.ci/run does).");
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // Root on development machines and CI needs --no-sandbox; the rest keep Chromium off this machine's closed
            // network (it would try Google's hosts at every start).
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
