namespace ServiceAnalytics.Storage.Telemetry;

/// <summary>
/// What served a query's figures, from the cheapest to the costliest; a request that used several is of the
/// costliest (docs/instruments.md, <c>service_analytics.query.duration</c>).
/// </summary>
public enum AnswerSource
{
    /// <summary>No outcome row or fact was read (a refused or invalid request, a transfer, the caller's grants).</summary>
    None = 0,

    /// <summary>The servable rollup snapshot: its rows and daily summaries, nothing computed from the facts.</summary>
    Snapshot = 1,

    /// <summary>Settled rows and daily summaries, and the latest run's rows taken as of now: no snapshot servable, nothing computed.</summary>
    Settled = 2,

    /// <summary>Some outcome rows computed from the facts (days after the stored ones, changed chats, no rollup progress) or facts read directly.</summary>
    Computed = 3,
}

/// <summary>
/// Carries the sources the outcome planner decides on out to where an RPC is timed: the RPC opens a scope
/// (<see cref="Begin"/>), every read it makes in its async flow records its source (<see cref="Record"/>), and the
/// scope keeps the costliest. Reads outside any scope (the rollup job, commands) record nothing.
/// </summary>
public sealed class AnswerSources
{
    private static readonly AsyncLocal<AnswerSources?> s_current = new();

    private int _costliest;

    /// <summary>The costliest source recorded in the scope so far.</summary>
    public AnswerSource Source => (AnswerSource)Volatile.Read(ref _costliest);

    /// <summary>Opens a scope for the calling async flow and what it awaits (reads running in parallel included).</summary>
    public static AnswerSources Begin()
    {
        var scope = new AnswerSources();
        s_current.Value = scope;
        return scope;
    }

    /// <summary>Records that the current scope's answer used <paramref name="source"/>.</summary>
    public static void Record(AnswerSource source)
    {
        if (s_current.Value is not { } scope)
        {
            return;
        }

        var seen = Volatile.Read(ref scope._costliest);
        while ((int)source > seen)
        {
            var before = Interlocked.CompareExchange(ref scope._costliest, (int)source, seen);
            if (before == seen)
            {
                return;
            }

            seen = before;
        }
    }
}
