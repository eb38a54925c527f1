using Microsoft.Extensions.Options;
using Quartz;
using ServiceAnalytics.Storage;
using ServiceAnalytics.Storage.Rollups;

namespace ServiceAnalytics.Server.Rollups;

/// <summary>Hosts Quartz.NET with the rollup job when <see cref="RollupOptions.Enabled"/>.</summary>
internal static class RollupScheduling
{
    /// <summary>
    /// Registers the job and its triggers. The schedule and its zone are read from the checked options when the
    /// scheduler starts, after the start-up validation (<see cref="RollupOptionsValidator"/>,
    /// <see cref="RollupScheduleValidator"/>) has refused a bad one with the setting named.
    /// </summary>
    public static void AddRollupScheduling(this IServiceCollection services, RollupOptions options)
    {
        if (!options.Enabled)
        {
            return;
        }

        services.AddSingleton<IValidateOptions<RollupOptions>, RollupScheduleValidator>();
        services.AddQuartz(quartz =>
        {
            quartz.AddJob<RollupJob>(job => job.WithIdentity(RollupJob.Key).StoreDurably());
            // A run missed while this process was busy fires once, at once; one missed while it was down is
            // the catch-up run's (every day after the watermark is recomputed).
            quartz.AddTrigger((provider, trigger) =>
            {
                var checkedOptions = provider.GetRequiredService<IOptions<RollupOptions>>().Value;
                var zone = TimeZoneInfo.FindSystemTimeZoneById(checkedOptions.ScheduleTimeZone);
                trigger.ForJob(RollupJob.Key).WithIdentity("rollup-schedule")
                    .WithCronSchedule(checkedOptions.Schedule, cron => cron.InTimeZone(zone).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed));
            });
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

/// <summary>Checks <see cref="RollupOptions.Schedule"/> as Quartz reads it, when this process schedules runs.</summary>
internal sealed class RollupScheduleValidator() : RangeValidator<RollupOptions>(RollupOptions.SectionName)
{
    protected override void Check(OptionRanges ranges, RollupOptions options) => ranges
        .Check(CronExpression.TryParse(options.Schedule, out _), nameof(options.Schedule),
            $"must be a Quartz cron expression (seconds first, e.g. 0 0/15 * * * ?), got '{options.Schedule}'");
}
