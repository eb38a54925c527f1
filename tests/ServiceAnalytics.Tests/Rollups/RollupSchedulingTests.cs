using Quartz;
using ServiceAnalytics.Contracts.Operations.V1;

namespace ServiceAnalytics.Tests.Rollups;

/// <summary>The job hosted by Quartz.NET, and its status and recompute RPCs.</summary>
public sealed class RollupSchedulingTests
{
    [Fact]
    public async Task The_catch_up_run_fires_at_start_up_and_the_status_rpc_reports_it()
    {
        // A daily fire twelve hours away, so no scheduled run but the catch-up falls within the test.
        var hour = (DateTime.UtcNow.Hour + 12) % 24;
        var schedule = $"0 0 {hour} * * ?";
        await using var host = await StartWithRollupsAsync(("Schedule", schedule), ("LateFactWindowDays", "5"));
        var operations = new OperationsService.OperationsServiceClient(host.Channel);

        var status = await WaitForStatusAsync(operations, _ => true);
        var run = Assert.Single(status.Runs);
        // The run's own day: one read here could be the next day, if midnight passed since the run began.
        var today = DateOnly.FromDateTime(run.StartedAt.ToDateTime());
        Assert.Equal(("scheduled", "", today.AddDays(-5).ToString("yyyy-MM-dd"), today.AddDays(1).ToString("yyyy-MM-dd")),
            (run.Reason, run.Error, run.FirstDay, run.LastDay));
        Assert.Equal(today.AddDays(-6).ToString("yyyy-MM-dd"), status.SettledThrough);
        Assert.Equal(today.AddDays(-6).ToString("yyyy-MM-dd"), run.SettledThrough);
        Assert.True(status.ScheduledHere);
        Assert.Equal((schedule, 5), (status.Schedule, status.LateFactWindowDays));
        // The next fire is the cron's, within a day.
        var next = status.NextRunAt.ToDateTime();
        Assert.InRange(next, DateTime.UtcNow, DateTime.UtcNow.AddDays(1));
        Assert.Equal((hour, 0), (next.Hour, next.Minute));
        // The catch-up run left a snapshot; refreshes come every minute (the first one, a minute after start-up).
        Assert.Equal((TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5)), (status.RefreshInterval.ToTimeSpan(), status.SnapshotMaxAge.ToTimeSpan()));
        Assert.Equal(run.ArrivalsThrough, status.SnapshotArrivalsThrough);
        Assert.Equal(run.StartedAt, status.SnapshotAsOf);

        // The health report's detail carries the last run.
        using var http = new HttpClient { DefaultRequestVersion = System.Net.HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var health = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(new Uri(host.Address, "/health")));
        var rollups = health.RootElement.GetProperty("checks").GetProperty("rollups");
        Assert.Equal(run.RowsWritten, rollups.GetProperty("data").GetProperty("last_run_rows").GetInt64());
        Assert.Equal($"{run.FirstDay}..{run.LastDay}", rollups.GetProperty("data").GetProperty("last_run_window").GetString());
        Assert.Equal("", rollups.GetProperty("data").GetProperty("last_error").GetString());
        Assert.Equal(status.SnapshotAsOf.ToDateTime(), rollups.GetProperty("data").GetProperty("snapshot_as_of").GetDateTime().ToUniversalTime());

        var recompute = await operations.RecomputeRollupsAsync(new RecomputeRollupsRequest
        {
            FirstDay = today.AddDays(-40).ToString("yyyy-MM-dd"), LastDay = today.AddDays(-30).ToString("yyyy-MM-dd"),
        });
        Assert.Equal(("recompute", "", ""), (recompute.Run.Reason, recompute.Run.Error, recompute.Run.SettledThrough));
        status = await operations.GetRollupStatusAsync(new GetRollupStatusRequest { RunLimit = 1 });
        Assert.Equal(recompute.Run.RunId, Assert.Single(status.Runs).RunId);
    }

    [Fact]
    public async Task Refreshes_follow_the_scheduled_run_at_their_interval_and_never_overlap_it()
    {
        await using var host = await StartWithRollupsAsync(("Schedule", "0 0 3 1 1 ? 2099"), ("RefreshInterval", "00:00:01"));
        var operations = new OperationsService.OperationsServiceClient(host.Channel);
        var runs = (await WaitForStatusAsync(operations, runs => runs.Count(r => r.Reason == "refresh") >= 2)).Runs;
        // Oldest first: the catch-up run (a refresh before any snapshot is one too), then refreshes, each starting
        // after the previous run finished.
        var ordered = runs.OrderBy(r => r.ArrivalsThrough.ToDateTime()).ToList();
        Assert.Equal("scheduled", ordered[0].Reason);
        Assert.All(ordered, r => Assert.Equal("", r.Error));
        Assert.Equal("refresh", ordered[^1].Reason);
        // A run's mark is read before its work is timed, so a later run's mark is past the earlier run's end.
        foreach (var (earlier, later) in ordered.Zip(ordered.Skip(1)))
        {
            Assert.True(later.ArrivalsThrough.ToDateTime() >= earlier.ArrivalsThrough.ToDateTime() + earlier.Duration.ToTimeSpan(), $"{earlier} overlaps {later}");
        }
    }

    [Fact]
    public async Task A_failed_run_is_logged_recorded_and_retried_after_the_retry_delay()
    {
        await using var host = await StartWithRollupsAsync(("CatchUpAtStartup", "false"), ("Schedule", "0 0 3 1 1 ? 2099"), ("RetryDelay", "00:00:01"));
        var operations = new OperationsService.OperationsServiceClient(host.Channel);
        var store = host.Store;
        // A table every run reads, data or not: it keeps the rows it does not recompute from it.
        await store.Client.ExecuteNonQueryAsync("DETACH TABLE settled_chats");
        try
        {
            // Fired by hand, as the scheduler would: the run fails on the missing table.
            var scheduler = await host.App.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
            await scheduler.TriggerJob(new JobKey("rollup", "service-analytics"));
            var failed = (await WaitForStatusAsync(operations, runs => runs.Any(r => r.Error.Length > 0))).Runs;
            Assert.Contains("settled_chats", failed[0].Error, StringComparison.Ordinal);
        }
        finally
        {
            await store.Client.ExecuteNonQueryAsync("ATTACH TABLE settled_chats");
        }

        // The retry, a second later, succeeds.
        var runs = (await WaitForStatusAsync(operations, runs => runs[0].Error.Length == 0)).Runs;
        Assert.Equal("scheduled", runs[0].Reason);
        Assert.Contains(runs.Skip(1), r => r.Error.Length > 0);
    }

    /// <summary>A service with the rollup job on, and these <c>Rollups:</c> settings.</summary>
    private static Task<ServiceHost> StartWithRollupsAsync(params (string Name, string Value)[] settings)
    {
        var overrides = new Dictionary<string, string?> { ["Rollups:Enabled"] = "true" };
        foreach (var (name, value) in settings)
        {
            overrides[$"Rollups:{name}"] = value;
        }

        return ServiceHost.StartReadyAsync(overrides);
    }

    /// <summary>Polls the rollup status until it lists a run and <paramref name="done"/> holds for its runs.</summary>
    private static async Task<GetRollupStatusResponse> WaitForStatusAsync(
        OperationsService.OperationsServiceClient operations, Func<IReadOnlyList<RollupRun>, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var status = await operations.GetRollupStatusAsync(new GetRollupStatusRequest());
            if (status.Runs.Count > 0 && done(status.Runs))
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < deadline, "the expected runs did not come within 60 s");
            await Task.Delay(200);
        }
    }

    [Theory]
    [InlineData("2026-01-02", "2026-01-01", "last_day")]
    [InlineData("2026-01-01", "2027-06-01", "last_day")]
    [InlineData("01/01/2026", "2026-01-02", "first_day")]
    public async Task A_bad_recompute_range_is_refused_with_the_field(string first, string last, string field)
    {
        await using var host = await ServiceHost.StartReadyAsync();
        var operations = new OperationsService.OperationsServiceClient(host.Channel);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            operations.RecomputeRollupsAsync(new RecomputeRollupsRequest { FirstDay = first, LastDay = last }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(field + ":", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_schedule_stops_the_service_at_start_with_the_setting_named()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => ServiceHost.StartAsync(new Dictionary<string, string?>
        {
            ["Rollups:Enabled"] = "true",
            ["Rollups:Schedule"] = "every day",
        }));

        Assert.Contains("Rollups:Schedule", error.Message, StringComparison.Ordinal);
    }
}
