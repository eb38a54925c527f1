using Microsoft.Extensions.Options;

namespace ServiceAnalytics.Server.Ingestion;

/// <summary>
/// Keeps read-your-writes when batches are acknowledged from the journal, before ClickHouse commits them
/// (docs/ingestion.md, "Read-your-writes"): every read of facts as of an instant — a query answered as of its request,
/// a rollup run, a transfer's check — first waits here for the batches acknowledged up to then. The wait is for the
/// batches journaled when it is called (called after the instant is read, so a superset of those acknowledged before
/// it); it is normally one insert long and nothing at all when ingestion is idle or acknowledges after the commit.
/// </summary>
public sealed class FactVisibility(IOptions<IngestionOptions> options, ILogger<FactVisibility> logger)
{
    private readonly object _gate = new();
    private readonly SortedSet<long> _uncommitted = [];
    private readonly List<(long Sequence, TaskCompletionSource Done)> _waiters = [];
    private long _lastJournaled;

    /// <summary>Batches acknowledged and not committed yet.</summary>
    public int Uncommitted
    {
        get
        {
            lock (_gate)
            {
                return _uncommitted.Count;
            }
        }
    }

    /// <summary>
    /// Returns once every batch acknowledged before this call is committed, or after
    /// <see cref="IngestionOptions.VisibilityWait"/> (logged: the store is refusing or far behind, and the answer may
    /// miss acknowledged facts rather than wait longer).
    /// </summary>
    public ValueTask WaitForAcknowledgedAsync(CancellationToken cancellationToken) =>
        WaitForAcknowledgedAsync(options.Value.VisibilityWait, cancellationToken);

    /// <summary>
    /// Returns once every batch acknowledged before this call is committed, or after <paramref name="limit"/>
    /// (<see cref="Timeout.InfiniteTimeSpan"/>: no limit, for a process that must read all it ingested, like <c>demo</c>).
    /// </summary>
    public async ValueTask WaitForAcknowledgedAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        TaskCompletionSource done;
        lock (_gate)
        {
            if (_uncommitted.Count == 0 || _uncommitted.Min > _lastJournaled)
            {
                return;
            }

            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((_lastJournaled, done));
        }

        try
        {
            await done.Task.WaitAsync(limit, cancellationToken);
        }
        catch (TimeoutException)
        {
            ServerLog.AcknowledgedFactsNotVisible(logger, limit, Uncommitted);
        }
    }

    /// <summary>Batches journaled (and about to be acknowledged) with these sequence numbers, in increasing order.</summary>
    internal void Journaled(IEnumerable<long> sequences)
    {
        lock (_gate)
        {
            foreach (var sequence in sequences)
            {
                _uncommitted.Add(sequence);
                _lastJournaled = Math.Max(_lastJournaled, sequence);
            }
        }
    }

    /// <summary>Batches committed to ClickHouse: the waits they held end.</summary>
    internal void Committed(IEnumerable<long> sequences)
    {
        lock (_gate)
        {
            foreach (var sequence in sequences)
            {
                _uncommitted.Remove(sequence);
            }

            var firstUncommitted = _uncommitted.Count == 0 ? long.MaxValue : _uncommitted.Min;
            _waiters.RemoveAll(waiter =>
            {
                if (waiter.Sequence >= firstUncommitted)
                {
                    return false;
                }

                waiter.Done.TrySetResult();
                return true;
            });
        }
    }
}
