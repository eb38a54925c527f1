using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ServiceAnalytics.Server.Commands;

/// <summary>
/// How a command shows the progress of a long job: on a terminal, a Spectre.Console progress bar with the rate and the
/// time left; otherwise (output redirected to a file, a pipe, a CI log) a plain line every few seconds and one at the
/// end, so a log stays readable and greppable.
/// </summary>
public sealed class CommandProgress
{
    private readonly TextWriter _output;
    private readonly bool _terminal;
    private readonly TimeSpan _lineInterval;

    /// <param name="output">Where plain lines go (the command's standard output).</param>
    /// <param name="terminal">Draw a progress bar on the console instead of plain lines.</param>
    /// <param name="lineInterval">How often a plain line is written while the job runs.</param>
    public CommandProgress(TextWriter output, bool terminal, TimeSpan lineInterval)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _terminal = terminal;
        _lineInterval = lineInterval;
    }

    /// <summary>
    /// Progress on the process's console: a bar when standard output is an interactive terminal, plain lines every
    /// 5 seconds otherwise.
    /// </summary>
    public static CommandProgress ForConsole() => new(
        Console.Out, !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive, TimeSpan.FromSeconds(5));

    /// <summary>
    /// Runs <paramref name="work"/>, which advances the counter it is given, and shows its progress as
    /// <paramref name="activity"/> counted in <paramref name="unit"/> (e.g. "facts"), out of <paramref name="total"/>
    /// when it is known (the counter's total may also be set by the work once it knows).
    /// </summary>
    public async Task<T> RunAsync<T>(string activity, string unit, long? total, Func<ProgressCounter, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var counter = new ProgressCounter { Total = total };
        var clock = Stopwatch.StartNew();
        T result;
        if (_terminal)
        {
            result = await AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new CountColumn(unit),
                    new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(activity, maxValue: total ?? 1);
                    task.IsIndeterminate = total is null;
                    var running = work(counter);
                    while (await Task.WhenAny(running, Task.Delay(TimeSpan.FromMilliseconds(200))) != running)
                    {
                        Update(task, counter);
                    }

                    Update(task, counter);
                    task.StopTask();
                    return await running;
                });
        }
        else
        {
            var running = work(counter);
            while (await Task.WhenAny(running, Task.Delay(_lineInterval)) != running)
            {
                await _output.WriteLineAsync(Line(activity, unit, counter, clock.Elapsed, finished: false));
            }

            result = await running;
        }

        await _output.WriteLineAsync(Line(activity, unit, counter, clock.Elapsed, finished: true));
        return result;
    }

    private static void Update(ProgressTask task, ProgressCounter counter)
    {
        if (counter.Total is { } total)
        {
            task.IsIndeterminate = false;
            task.MaxValue = Math.Max(total, 1);
        }

        task.Value = counter.Done;
    }

    /// <summary>"import: 120,000 of 1,000,000 facts (12.0 %), 98,000 facts/s, about 9 s left" and, at the end, the total.</summary>
    internal static string Line(string activity, string unit, ProgressCounter counter, TimeSpan elapsed, bool finished)
    {
        var done = counter.Done;
        var rate = elapsed.TotalSeconds > 0 ? done / elapsed.TotalSeconds : 0;
        if (finished)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{activity}: {done:N0} {unit} in {elapsed.TotalSeconds:F1} s ({rate:N0} {unit}/s)");
        }

        var of = counter.Total is { } total && total > 0
            ? string.Create(CultureInfo.InvariantCulture, $" of {total:N0} {unit} ({100.0 * done / total:F1} %)")
            : " " + unit;
        var left = counter.Total is { } all && rate > 0 && all > done
            ? string.Create(CultureInfo.InvariantCulture, $", about {Math.Ceiling((all - done) / rate):N0} s left")
            : "";
        return string.Create(CultureInfo.InvariantCulture, $"{activity}: {done:N0}{of}, {rate:N0} {unit}/s{left}");
    }

    /// <summary>The bar's count and rate: "120,000/1,000,000 facts 98,000/s".</summary>
    private sealed class CountColumn(string unit) : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var of = task.IsIndeterminate ? "" : string.Create(CultureInfo.InvariantCulture, $"/{task.MaxValue:N0}");
            return new Text(string.Create(CultureInfo.InvariantCulture, $"{task.Value:N0}{of} {unit} {task.Speed ?? 0:N0}/s"));
        }
    }
}

/// <summary>What a job has done so far, advanced by the job from any thread.</summary>
public sealed class ProgressCounter : IProgress<long>
{
    private long _done;

    /// <summary>Units done so far.</summary>
    public long Done => Interlocked.Read(ref _done);

    /// <summary>Units in all, when known.</summary>
    public long? Total { get; set; }

    /// <summary>Adds <paramref name="units"/> done.</summary>
    public void Add(long units) => Interlocked.Add(ref _done, units);

    /// <summary>Sets the units done so far (a job that reports a running total).</summary>
    public void Report(long value) => Interlocked.Exchange(ref _done, value);
}
