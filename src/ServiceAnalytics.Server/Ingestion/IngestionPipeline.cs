using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Storage.Facts;

namespace ServiceAnalytics.Server.Ingestion;

/// <summary>The store could not take the facts now; nothing of the batch is acknowledged, so it may be re-sent.</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Turns many small requests into few large INSERTs. Validated batches wait in a bounded queue; each of
/// <see cref="IngestionOptions.Writers"/> writers takes what is there — up to <see cref="IngestionOptions.FlushRows"/> rows, or whatever arrived within
/// <see cref="IngestionOptions.FlushInterval"/> of the first — writes it, and only then completes each batch's
/// task, which is when the producer is acknowledged. A full queue makes callers wait (backpressure); a failed
/// write fails every batch in it. On shutdown the queue is closed to new batches and drained.
/// </summary>
public sealed class IngestionPipeline : BackgroundService
{
    private readonly Channel<PendingBatch> _queue;
    private readonly FactWriter _writer;
    private readonly TimeProvider _time;
    private readonly IngestionOptions _options;
    private readonly IngestionInstruments _instruments;
    private readonly ILogger<IngestionPipeline> _logger;

    public IngestionPipeline(
        FactWriter writer, IOptions<IngestionOptions> options, TimeProvider time, IngestionInstruments instruments, ILogger<IngestionPipeline> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(instruments);
        _writer = writer;
        _time = time;
        _options = options.Value;
        _instruments = instruments;
        _logger = logger;
        _queue = Channel.CreateBounded<PendingBatch>(new BoundedChannelOptions(_options.QueueCapacityBatches)
        {
            FullMode = BoundedChannelFullMode.Wait,
        });
        instruments.ObserveQueueDepth(() => _queue.Reader.Count);
    }

    /// <summary>
    /// Takes ownership of <paramref name="batch"/> and completes when it is committed to ClickHouse, with the instant
    /// its facts are visible as of (<see cref="CommittedAt"/>); throws <see cref="StoreUnavailableException"/> when
    /// it was not committed.
    /// </summary>
    public async Task<DateTime> StoreAsync(FactBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var pending = new PendingBatch(batch);
        try
        {
            if (!_queue.Writer.TryWrite(pending))
            {
                // Full: the caller waits for room, which is the backpressure. (Closed at shutdown: WriteAsync throws at
                // once, and the count is of a batch turned away, a rare one-off not worth a check of its own.)
                _instruments.BackpressureWait();
                await _queue.Writer.WriteAsync(pending, cancellationToken);
            }
        }
        catch (ChannelClosedException)
        {
            batch.Dispose();
            throw new StoreUnavailableException("The service is shutting down and takes no more facts.");
        }
        catch (OperationCanceledException)
        {
            batch.Dispose();
            throw;
        }

        // Once queued the batch is written even if this caller goes away; only its acknowledgement is lost.
        return await pending.Committed.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// The acknowledgement's <c>visible_as_of</c>: the service's clock read once the insert has returned (the facts
    /// and their arrivals are committed by then), rounded up to the millisecond. A query answer is of an instant read
    /// on the same clock before it reads anything (a request's own, or a rollup snapshot's <c>now</c>, taken before
    /// the run reads the facts), truncated to the millisecond; so an answer whose <c>as_of</c> is at or after this
    /// instant began reading after the commit, and counts these facts (docs/ingestion.md, "Read-your-writes").
    /// </summary>
    private DateTime CommittedAt()
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var partial = now.Ticks % TimeSpan.TicksPerMillisecond;
        return partial == 0 ? now : now.AddTicks(TimeSpan.TicksPerMillisecond - partial);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, _options.Writers).Select(_ => Task.Run(WriteUntilClosedAsync, CancellationToken.None)));

    private async Task WriteUntilClosedAsync()
    {
        // Not the stopping token: after StopAsync closes the queue, what is in it is still written.
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            var (batches, rows) = await CollectAsync();
            using (rows)
            {
                if (batches.Count == 0)
                {
                    continue;
                }

                var writeStarted = _time.GetTimestamp();
                using var span = IngestionTracing.StartWrite(batches.Select(b => b.Caller), batches.Count, rows.RowCount);
                try
                {
                    await _writer.WriteAsync(rows, CancellationToken.None);
                    _instruments.Inserted(rows.RowCount, _time.GetElapsedTime(writeStarted));
                    var committedAt = CommittedAt();
                    foreach (var pending in batches)
                    {
                        pending.Committed.TrySetResult(committedAt);
                    }
                }
                catch (Exception error)
                {
                    _instruments.Inserted(rows.RowCount, _time.GetElapsedTime(writeStarted), error);
                    IngestionTracing.Failed(span, error);
                    ServerLog.FactWriteFailed(_logger, rows.RowCount, batches.Count, error);
                    var unavailable = new StoreUnavailableException("ClickHouse did not commit the facts.", error);
                    foreach (var pending in batches)
                    {
                        pending.Committed.TrySetException(unavailable);
                    }
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

        public TaskCompletionSource<DateTime> Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
