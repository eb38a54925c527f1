using Quartz;
using ServiceAnalytics.Storage.Rollups;

namespace ServiceAnalytics.Server.Rollups;

/// <summary>Hosts Quartz.NET with the rollup job when <see cref="RollupOptions.Enabled"/>.</summary>
internal static class RollupScheduling
{
    public static void AddRollupScheduling(this IServiceCollection services, RollupOptions options)
    {
        if (!options.Enabled)
        {
            return;
        }

        if (!CronExpression.TryParse(options.Schedule, out _))
        {
            throw new InvalidOperationException($"Rollups:Schedule is not a valid Quartz cron expression: '{options.Schedule}'.");
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(options.ScheduleTimeZone, out var zone))
        {
            throw new InvalidOperationException($"Rollups:ScheduleTimeZone is not a known time zone: '{options.ScheduleTimeZone}'.");
        }

        if (options.LateFactWindowDays is < 2 or > 60)
        {
            throw new InvalidOperationException($"Rollups:LateFactWindowDays must be 2 to 60, got {options.LateFactWindowDays}.");
        }

        if (options.RefreshInterval < TimeSpan.Zero || options.SnapshotMaxAge < TimeSpan.Zero)
        {
            throw new InvalidOperationException("Rollups:RefreshInterval and Rollups:SnapshotMaxAge must not be negative.");
        }

        services.AddQuartz(quartz =>
        {
            quartz.AddJob<RollupJob>(job => job.WithIdentity(RollupJob.Key).StoreDurably());
            // A run missed while this process was busy fires once, at once; one missed while it was down is
            // the catch-up run's (every day after the watermark is recomputed).
            quartz.AddTrigger(trigger => trigger.ForJob(RollupJob.Key).WithIdentity("rollup-schedule")
                .WithCronSchedule(options.Schedule, cron => cron.InTimeZone(zone).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed)));
            if (options.RefreshInterval > TimeSpan.Zero)
            {
                // A refresh that could not start on time is skipped (the smart misfire policy of a repeating trigger):
                // the next one covers what it would have.
                quartz.AddTrigger(trigger => trigger.ForJob(RollupJob.Key).WithIdentity(RollupJob.RefreshTrigger)
                    .StartAt(DateTimeOffset.UtcNow + options.RefreshInterval)
                    .WithSimpleSchedule(simple => simple.WithInterval(options.RefreshInterval).RepeatForever()));
            }

            if (options.CatchUpAtStartup)
            {
                quartz.AddTrigger(trigger => trigger.ForJob(RollupJob.Key).WithIdentity("rollup-catch-up").StartNow());
            }
        });
        services.AddQuartzHostedService(hosted => hosted.WaitForJobsToComplete = true);
    }
}
