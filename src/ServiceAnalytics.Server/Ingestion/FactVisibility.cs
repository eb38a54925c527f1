using Microsoft.Extensions.Options;
using ServiceAnalytics.Storage.Facts;

namespace ServiceAnalytics.Server.Ingestion;

/// <summary>
/// Keeps read-your-writes when batches are acknowledged from the journal, before ClickHouse commits them
/// (docs/ingestion.md, "Read-your-writes"): every read of facts as of an instant — a query answered as of its request,
/// a rollup run, a transfer's check — first waits here for the batches acknowledged up to then that hold facts it
/// reads (its <see cref="FactScope"/>). The wait is for the batches journaled when it is called (called after the
/// instant is read, so a superset of those acknowledged before it); it is at most one or two inserts long, and nothing
/// at all when ingestion is idle, acknowledges after the commit, or is busy only with other shops' or chats' facts.
/// </summary>
public sealed class FactVisibility(IOptions<IngestionOptions> options, ILogger<FactVisibility> logger)
{
    private readonly object _gate = new();
    private readonly Dictionary<long, BatchFootprint> _uncommitted = [];
    private readonly List<(HashSet<long> Awaited, TaskCompletionSource Done)> _waiters = [];

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
    /// Returns once every batch acknowledged before this call with facts in <paramref name="scope"/> is committed, or
    /// after <see cref="IngestionOptions.VisibilityWait"/> (logged: the store is refusing or far behind, and the answer
    /// may miss acknowledged facts rather than wait longer).
    /// </summary>
    public ValueTask WaitForAcknowledgedAsync(FactScope scope, CancellationToken cancellationToken) =>
        WaitForAcknowledgedAsync(scope, options.Value.VisibilityWait, cancellationToken);

    /// <summary>
    /// Returns once every batch acknowledged before this call with facts in <paramref name="scope"/> is committed, or
    /// after <paramref name="limit"/> (<see cref="Timeout.InfiniteTimeSpan"/>: no limit, for a process that must read
    /// all it ingested, like <c>demo</c>).
    /// </summary>
    public async ValueTask WaitForAcknowledgedAsync(FactScope scope, TimeSpan limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        TaskCompletionSource done;
        lock (_gate)
        {
            var awaited = _uncommitted.Where(batch => scope.Covers(batch.Value)).Select(batch => batch.Key).ToHashSet();
            if (awaited.Count == 0)
            {
                return;
            }

            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((awaited, done));
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

    /// <summary>Batches journaled (and about to be acknowledged) with these sequence numbers.</summary>
    internal void Journaled(IEnumerable<(long Sequence, FactBatch Batch)> batches)
    {
        // Footprints are read outside the lock: they take a pass over the batch's facts.
        var footprints = batches.Select(b => (b.Sequence, Footprint: BatchFootprint.Of(b.Batch))).ToList();
        lock (_gate)
        {
            foreach (var (sequence, footprint) in footprints)
            {
                _uncommitted[sequence] = footprint;
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

            _waiters.RemoveAll(waiter =>
            {
                waiter.Awaited.RemoveWhere(sequence => !_uncommitted.ContainsKey(sequence));
                if (waiter.Awaited.Count > 0)
                {
                    return false;
                }

                waiter.Done.TrySetResult();
                return true;
            });
        }
    }
}
