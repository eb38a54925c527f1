using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Storage;
using ServiceAnalytics.Storage.Facts;

namespace ServiceAnalytics.Server.Ingestion;

/// <summary>The store could not take the facts now; nothing of the batch is acknowledged, so it may be re-sent.</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What <see cref="IngestionPipeline.Store"/> promises for a batch.</summary>
/// <param name="Acknowledged">
/// Completes when the batch may be acknowledged, with the instant its facts are visible as of (<c>visible_as_of</c>);
/// throws <see cref="StoreUnavailableException"/> when it may not.
/// </param>
/// <param name="Committed">Completes (or fails) when the pipeline is done with the batch: ClickHouse holds it, or it never will from this instance.</param>
public sealed record StoringBatch(Task<DateTime> Acknowledged, Task Committed);

/// <summary>
/// Turns many small requests into few large INSERTs. Validated batches wait in a bounded queue; each of
/// <see cref="IngestionOptions.Writers"/> writers takes what is there — up to <see cref="IngestionOptions.FlushRows"/>
/// rows, or whatever arrived within <see cref="IngestionOptions.FlushInterval"/> of the first — and writes it. A full
/// queue makes callers wait (backpressure). On shutdown the queue is closed to new batches and drained.
/// When a batch is acknowledged is <see cref="IngestionOptions.AcknowledgeAfter"/>:
/// <list type="bullet">
/// <item>Committed: once its write returns; a failed write fails every batch in it, which producers re-send.</item>
/// <item>Journaled: a journal writer first appends what waits (one fsync for all, <see cref="IngestionJournal"/>),
/// acknowledges it and passes it to the writers; a failed write is retried until it succeeds (the batches are
/// acknowledged), and what is not written at shutdown stays journaled for the next start. Reads of facts wait for
/// acknowledged batches through <see cref="FactVisibility"/>.</item>
/// </list>
/// </summary>
public sealed class IngestionPipeline : BackgroundService
{
    private readonly Channel<PendingBatch> _queue;
    private readonly Channel<PendingBatch>? _toJournal;
    private readonly FactWriter _writer;
    private readonly FactVisibility _visibility;
    private readonly TimeProvider _time;
    private readonly IngestionOptions _options;
    private readonly IngestionInstruments _instruments;
    private readonly ILogger<IngestionPipeline> _logger;
    private readonly string? _journalRoot;
    private readonly string _database;
    private IngestionJournal? _journal;
    private IReadOnlyList<(FactBatch Batch, long Sequence)> _adopted = [];

    public IngestionPipeline(
        FactWriter writer, FactVisibility visibility, IOptions<IngestionOptions> options, IOptions<ClickHouseOptions> store, TimeProvider time,
        IngestionInstruments instruments, ILogger<IngestionPipeline> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(instruments);
        _writer = writer;
        _visibility = visibility;
        _time = time;
        _options = options.Value;
        _instruments = instruments;
        _logger = logger;
        _database = store.Value.Database;
        var embedded = store.Value.UsesEmbeddedEngine;
        if ((_options.AcknowledgeAfter ?? (embedded ? FactAcknowledgement.Journaled : FactAcknowledgement.Committed)) == FactAcknowledgement.Journaled)
        {
            _journalRoot = _options.JournalPath
                ?? (embedded ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(store.Value.Embedded.DataPath))!, "ingest-journal") : Path.Combine("data", "ingest-journal"));
            _toJournal = Channel.CreateBounded<PendingBatch>(new BoundedChannelOptions(_options.QueueCapacityBatches) { FullMode = BoundedChannelFullMode.Wait });
        }

        _queue = Channel.CreateBounded<PendingBatch>(new BoundedChannelOptions(_options.QueueCapacityBatches)
        {
            FullMode = BoundedChannelFullMode.Wait,
        });
        instruments.ObserveQueueDepth(() => _queue.Reader.Count + (_toJournal?.Reader.Count ?? 0));
        instruments.ObserveUncommitted(() => _visibility.Uncommitted);
    }

    /// <summary>
    /// Takes ownership of <paramref name="batch"/> and queues it; once queued it is written even if the caller goes
    /// away, only its acknowledgement is lost.
    /// </summary>
    public StoringBatch Store(FactBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var pending = new PendingBatch(batch);
        var queued = QueueAsync(_toJournal ?? _queue, pending, cancellationToken);
        return new StoringBatch(AcknowledgeAsync(queued, pending, cancellationToken), pending.Committed.Task);
    }

    private async Task<DateTime> AcknowledgeAsync(Task queued, PendingBatch pending, CancellationToken cancellationToken)
    {
        await queued;
        return await pending.Acknowledged.Task.WaitAsync(cancellationToken);
    }

    private async Task QueueAsync(Channel<PendingBatch> queue, PendingBatch pending, CancellationToken cancellationToken)
    {
        try
        {
            if (!queue.Writer.TryWrite(pending))
            {
                // Full: the caller waits for room, which is the backpressure. (Closed at shutdown: WriteAsync throws at
                // once, and the count is of a batch turned away, a rare one-off not worth a check of its own.)
                _instruments.BackpressureWait();
                await queue.Writer.WriteAsync(pending, cancellationToken);
            }
        }
        catch (Exception error) when (error is ChannelClosedException or OperationCanceledException)
        {
            pending.Batch.Dispose();
            var refused = error is ChannelClosedException
                ? new StoreUnavailableException("The service is shutting down and takes no more facts.")
                : error;
            pending.Fail(refused);
            throw refused;
        }
    }

    /// <summary>
    /// The acknowledgement's <c>visible_as_of</c>: the service's clock read once the batch is committed, or journaled
    /// (reads as of a later instant then wait for its commit: <see cref="FactVisibility"/>), rounded up to the
    /// millisecond. A query answer is of an instant read on the same clock before it reads anything (a request's own,
    /// or a rollup snapshot's <c>now</c>, taken before the run reads the facts), truncated to the millisecond; so an
    /// answer whose <c>as_of</c> is at or after this instant began reading after the commit, and counts these facts
    /// (docs/ingestion.md, "Read-your-writes").
    /// </summary>
    private DateTime VisibleAsOf()
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var partial = now.Ticks % TimeSpan.TicksPerMillisecond;
        return partial == 0 ? now : now.AddTicks(TimeSpan.TicksPerMillisecond - partial);
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_journalRoot is not null)
        {
            // Before the service takes requests: what a stopped instance acknowledged is pending for every read from now on.
            _journal = IngestionJournal.Open(_journalRoot, _database);
            _adopted = _journal.AdoptOrphans();
            _visibility.Journaled(_adopted.Select(a => (a.Sequence, a.Batch)));
            ServerLog.JournalOpened(_logger, _journal.Folder, _adopted.Count);
        }

        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        (_toJournal ?? _queue).Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _journal?.Dispose();
        base.Dispose();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var writers = Enumerable.Range(0, _options.Writers).Select(_ => Task.Run(() => WriteUntilClosedAsync(stoppingToken), CancellationToken.None));
        return _journal is null ? Task.WhenAll(writers) : Task.WhenAll([Task.Run(JournalUntilClosedAsync, CancellationToken.None), .. writers]);
    }

    /// <summary>
    /// Appends what waits to the journal, acknowledges it and queues it for the writers, until the journal queue is
    /// closed and empty; then closes the writers' queue.
    /// </summary>
    private async Task JournalUntilClosedAsync()
    {
        try
        {
            foreach (var (batch, sequence) in _adopted)
            {
                await _queue.Writer.WriteAsync(new PendingBatch(batch) { Sequence = sequence }, CancellationToken.None);
            }

            _adopted = [];
            var waiting = new List<PendingBatch>();
            while (await _toJournal!.Reader.WaitToReadAsync(CancellationToken.None))
            {
                waiting.Clear();
                var rows = 0;
                while (rows < _options.FlushRows && _toJournal.Reader.TryRead(out var pending))
                {
                    waiting.Add(pending);
                    rows += pending.Batch.RowCount;
                }

                long[] sequences;
                try
                {
                    sequences = _journal!.Append(waiting.ConvertAll(p => p.Batch));
                }
                catch (Exception error)
                {
                    ServerLog.JournalAppendFailed(_logger, waiting.Count, error);
                    var unavailable = new StoreUnavailableException("The journal did not take the facts.", error);
                    foreach (var pending in waiting)
                    {
                        pending.Batch.Dispose();
                        pending.Fail(unavailable);
                    }

                    continue;
                }

                // Before the batches move on: a writer merges them into its insert.
                _visibility.Journaled(sequences.Select((sequence, i) => (sequence, waiting[i].Batch)));
                var visibleAsOf = VisibleAsOf();
                for (var i = 0; i < waiting.Count; i++)
                {
                    waiting[i].Sequence = sequences[i];
                    waiting[i].Acknowledged.TrySetResult(visibleAsOf);
                    await _queue.Writer.WriteAsync(waiting[i], CancellationToken.None);
                }
            }
        }
        finally
        {
            _queue.Writer.TryComplete();
        }
    }

    private async Task WriteUntilClosedAsync(CancellationToken stoppingToken)
    {
        // Not the stopping token: after StopAsync closes the queue, what is in it is still written.
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            var (batches, rows) = await CollectAsync();
            using (rows)
            {
                if (batches.Count > 0)
                {
                    await WriteAsync(batches, rows, stoppingToken);
                }
            }
        }
    }

    private async Task WriteAsync(List<PendingBatch> batches, FactBatch rows, CancellationToken stoppingToken)
    {
        while (true)
        {
            var writeStarted = _time.GetTimestamp();
            using var span = IngestionTracing.StartWrite(batches.Select(b => b.Caller), batches.Count, rows.RowCount);
            try
            {
                await _writer.WriteAsync(rows, CancellationToken.None);
                _instruments.Inserted(rows.RowCount, _time.GetElapsedTime(writeStarted));
                if (_journal is null)
                {
                    var visibleAsOf = VisibleAsOf();
                    batches.ForEach(b => b.Acknowledged.TrySetResult(visibleAsOf));
                }
                else
                {
                    var sequences = batches.ConvertAll(b => b.Sequence);
                    _visibility.Committed(sequences);
                    _journal.Release(sequences);
                }

                batches.ForEach(b => b.Committed.TrySetResult());
                return;
            }
            catch (Exception error)
            {
                _instruments.Inserted(rows.RowCount, _time.GetElapsedTime(writeStarted), error);
                IngestionTracing.Failed(span, error);
                if (_journal is null)
                {
                    ServerLog.FactWriteFailed(_logger, rows.RowCount, batches.Count, error);
                    var unavailable = new StoreUnavailableException("ClickHouse did not commit the facts.", error);
                    batches.ForEach(b => b.Fail(unavailable));
                    return;
                }

                // Acknowledged already: written again until ClickHouse takes them, or left journaled for the next start.
                ServerLog.JournaledWriteFailed(_logger, rows.RowCount, _options.RetryDelay, error);
                try
                {
                    await Task.Delay(_options.RetryDelay, _time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    batches.ForEach(b => b.Fail(new StoreUnavailableException("The service stopped before ClickHouse took the journaled facts.", error)));
                    return;
                }
            }
        }
    }

    private async Task<(List<PendingBatch> Batches, FactBatch Rows)> CollectAsync()
    {
        var batches = new List<PendingBatch>();
        var rows = new FactBatch();
        using var window = new CancellationTokenSource(_options.FlushInterval);
        while (rows.RowCount < _options.FlushRows)
        {
            if (_queue.Reader.TryRead(out var pending))
            {
                batches.Add(pending);
                rows.MoveFrom(pending.Batch);
                continue;
            }

            try
            {
                if (!await _queue.Reader.WaitToReadAsync(window.Token))
                {
                    break;
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return (batches, rows);
    }

    private sealed class PendingBatch(FactBatch batch)
    {
        public FactBatch Batch { get; } = batch;

        /// <summary>The span of the call that queued the batch, which the write links to.</summary>
        public ActivityContext Caller { get; } = IngestionTracing.CallerContext();

        /// <summary>Its record's number in the journal, once journaled.</summary>
        public long Sequence { get; set; }

        public TaskCompletionSource<DateTime> Acknowledged { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Fail(Exception error)
        {
            Acknowledged.TrySetException(error);
            Committed.TrySetException(error);
            // Observed here: the acknowledgement carries the error to the caller; only tagging batches wait for the commit.
            _ = Committed.Task.Exception;
        }
    }
}
