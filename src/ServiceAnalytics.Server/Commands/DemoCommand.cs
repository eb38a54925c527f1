using System.CommandLine;
using System.Globalization;
using ServiceAnalytics.EmbeddedClickHouse;
using ServiceAnalytics.Server.Demo;
using ServiceAnalytics.Server.Ingestion;
using ServiceAnalytics.Server.Security;
using ServiceAnalytics.Server.Hosting;
using ServiceAnalytics.Storage;
using ServiceAnalytics.Storage.Outcomes;
using ServiceAnalytics.Storage.Queries;
using ServiceAnalytics.Storage.Migrations;

namespace ServiceAnalytics.Server.Commands;

/// <summary>
/// <c>demo [--Demo:ChatsPerDay=N] [--Demo:Days=N] [--Demo:ShopId=ID] [config overrides]</c>:
/// fills the store with the demo shop (<see cref="DemoShop"/>) through the ingestion path, runs the rollup, and
/// prints what it loaded, the shop's figures for its last 30 days, and how to ask the service for them. Like
/// <c>rollup</c>, it runs while the service is stopped when the engine is embedded (one process owns the data
/// folder); against a ClickHouse server it may run beside the service. Safe to re-run (see <see cref="DemoShop"/>).
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command(
            "demo",
            "Load the demo shop through the ingestion path, run the rollup, print its figures, then exit. " +
            "Size and shop: --Demo:ChatsPerDay=60 --Demo:Days=60 --Demo:ShopId=demo-shop.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction((parse, _) => RunAsync(ServiceCommandLine.ConfigurationOverrides(parse), Console.Out));
        return command;
    }

    public static async Task<int> RunAsync(string[] settings, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(output);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = settings, ContentRootPath = ServiceAnalyticsApp.ContentRoot });
        var options = builder.Configuration.GetSection(DemoShopOptions.SectionName).Get<DemoShopOptions>() ?? new DemoShopOptions();
        var invalid = new DemoShopOptionsValidator().Validate(null, options);
        if (invalid.Failed)
        {
            await output.WriteLineAsync($"demo: {invalid.FailureMessage} (see --help)");
            return ServiceCommandLine.ExitUsage;
        }

        builder.Services.AddClickHouseStorage(builder.Configuration);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddFactIngestion(builder.Configuration);
        builder.Services.AddSingleton<DemoLoader>();
        using var host = builder.Build();
        try
        {
            await host.Services.GetRequiredService<SchemaMigrator>().MigrateAsync(CancellationToken.None);
        }
        catch (EmbeddedEngineUnavailableException error)
        {
            // The likeliest cause for a newcomer: the service is running over the same folder.
            await output.WriteLineAsync($"{error.Message} If the service is running, stop it, load the demo, then start it again.");
            return 1;
        }

        // The pipeline alone, not the host: nothing else of the service runs, and no "press Ctrl+C" lifetime.
        var pipeline = host.Services.GetRequiredService<IngestionPipeline>();
        await pipeline.StartAsync(CancellationToken.None);
        DemoLoad load;
        try
        {
            load = await host.Services.GetRequiredService<DemoLoader>().LoadAsync(options, DateTime.UtcNow, CancellationToken.None);
        }
        finally
        {
            await pipeline.StopAsync(CancellationToken.None);
        }

        await WriteSummaryAsync(output, load, host.Services.GetRequiredService<MetricQueries>(), builder.Configuration);
        return 0;
    }

    /// <summary>What was loaded, the last 30 days' figures as the query RPCs compute them, and the call that asks the service for them.</summary>
    private static async Task WriteSummaryAsync(TextWriter output, DemoLoad load, MetricQueries metrics, IConfiguration configuration)
    {
        var demo = load.Demo;
        var period = new DayPeriod(demo.LastDay.AddDays(-Math.Min(29, demo.LastDay.DayNumber - demo.FirstDay.DayNumber)), demo.LastDay);
        var calendar = await metrics.FindShopAsync(demo.ShopId, CancellationToken.None) ?? throw new InvalidOperationException($"{demo.ShopId} has no facts after loading.");
        var asOf = await metrics.AnswerInstantAsync(DateTime.UtcNow, CancellationToken.None);
        var overview = await metrics.ReadOverviewAsync(demo.ShopId, calendar, period, asOf, CancellationToken.None);
        var breakdown = await metrics.ReadBreakdownAsync(demo.ShopId, calendar, period, asOf, CancellationToken.None);
        var h = overview.Headline;
        var keyPath = Path.GetFullPath(configuration["Security:DevelopmentKeyPath"] ?? new SecurityOptions().DevelopmentKeyPath);
        var web = new Uri(configuration["Kestrel:Endpoints:Web:Url"] ?? "http://127.0.0.1:5311").GetLeftPart(UriPartial.Authority);
        var overviewUrl = $"{web}/v1/shops/{Uri.EscapeDataString(demo.ShopId)}/overview?first_day={Iso(period.FirstDay)}&last_day={Iso(period.LastDay)}";
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"""
            {demo.ShopId}: {demo.Chats:N0} chats over {demo.LastDay.DayNumber - demo.FirstDay.DayNumber + 1} days ({Iso(demo.FirstDay)} to {Iso(demo.LastDay)}, {DemoShop.TimeZoneId}), {demo.Facts.Count:N0} facts ingested in {load.Ingestion.TotalSeconds:F1} s
            rollup: settled through {load.Rollup.SettledThrough:yyyy-MM-dd}, snapshot as of {load.Rollup.StartedAt:yyyy-MM-dd HH:mm:ss} UTC, {load.Rollup.Duration.TotalSeconds:F1} s

            {Iso(period.FirstDay)} to {Iso(period.LastDay)}, as of {asOf:yyyy-MM-dd HH:mm:ss} UTC:
              chats received         {h.ChatsReceived:N0}
              24-hour response rate  {Percent(h.InquiriesAnsweredWithin24h, h.InquiriesCounted)} ({h.InquiriesAnsweredWithin24h:N0} of {h.InquiriesCounted:N0} inquiries; {h.InquiriesPending:N0} pending)
              first response         median {Duration(h.FirstResponseMedianSeconds)}, p90 {Duration(h.FirstResponseP90Seconds)}
              satisfaction           {Percent(h.ChatsRated4Or5, h.ChatsReceived)} of chats received ({Percent(h.ChatsRated4Or5, h.ChatsRated)} of {h.ChatsRated:N0} rated)
              conversion             {Percent(h.ConvertedChats, h.ChatsReceived)} ({h.ConvertedChats:N0} chats; {overview.ConvertedCustomers:N0} of {overview.PotentialCustomers:N0} customers in the last 28 days)
              status breakdown       {breakdown.Responded24h:N0} within 24 h, {breakdown.RespondedLate:N0} late, {breakdown.NonResponded:N0} non-responded, {breakdown.Pending:N0} pending, {breakdown.AssistantSolved:N0} assistant-solved, {breakdown.NoInquiry:N0} no inquiry

            Running demo again today adds nothing (same facts, same event ids); on a later day it adds the days since and what came due for earlier chats.
            Start the service (dotnet run --project src/ServiceAnalytics.Server) and ask it for the same figures over HTTP/JSON (the service makes the key on its first start):
              curl -H "x-api-key: $(cat {keyPath})" "{overviewUrl}"
            """));
    }

    private static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Percent(long part, long whole) =>
        whole == 0 ? "-" : (100.0 * part / whole).ToString("F1", CultureInfo.InvariantCulture) + " %";

    private static string Duration(double? seconds) =>
        seconds is not { } s ? "-"
        : s < 90 * 60 ? (s / 60).ToString("F1", CultureInfo.InvariantCulture) + " min"
        : (s / 3600).ToString("F1", CultureInfo.InvariantCulture) + " h";
}
