using System.Diagnostics;
using System.Text.RegularExpressions;
using ServiceAnalytics.Storage.Telemetry;

namespace ServiceAnalytics.Benchmarks;

/// <summary>
/// Where a timed piece of work's time goes: listens to the service's statement spans
/// (<see cref="ClickHouseStatementTelemetry"/>) while it runs and prints its statements by kind and table in the order
/// they ran (a run of consecutive statements of the same kind and table on one line, with their count and total time),
/// leaving out those under 10 ms.
/// </summary>
internal sealed partial class StatementSteps : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly List<(string Name, TimeSpan Duration)> _statements = [];

    public StatementSteps()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == TelemetryNames.ActivitySource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.Kind == ActivityKind.Client)
                {
                    lock (_statements)
                    {
                        _statements.Add((RunSpecific().Replace(activity.DisplayName, "_<run>"), activity.Duration));
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Prints the statements, indented.</summary>
    public void Print()
    {
        lock (_statements)
        {
            var steps = new List<(string Name, List<TimeSpan> Durations)>();
            foreach (var (name, duration) in _statements)
            {
                if (steps is [.., var last] && last.Name == name)
                {
                    last.Durations.Add(duration);
                }
                else
                {
                    steps.Add((name, [duration]));
                }
            }

            foreach (var (name, durations) in steps)
            {
                var total = durations.Aggregate(TimeSpan.Zero, (sum, duration) => sum + duration);
                if (total < TimeSpan.FromMilliseconds(10))
                {
                    continue;
                }

                // A few statements of one kind: each one's time too (they may have run side by side).
                var each = durations.Count is > 1 and <= 5
                    ? $" ({string.Join(", ", durations.Select(duration => duration.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture)))})"
                    : "";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {name}: {durations.Count}× {total.TotalSeconds:F2} s{each}"));
            }
        }
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>The run id in a staging table's name (<c>settled_chats_stage_0123456789abcdef</c>).</summary>
    [GeneratedRegex("_[0-9a-f]{16}")]
    private static partial Regex RunSpecific();
}
