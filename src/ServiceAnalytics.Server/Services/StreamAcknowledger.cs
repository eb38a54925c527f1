using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Contracts.Ingest.V1;
using ServiceAnalytics.Server.Ingestion;

namespace ServiceAnalytics.Server.Services;

/// <summary>
/// The windowed acknowledgement of <c>IngestionService.IngestStream</c>. Reads ahead up to
/// <see cref="IngestionOptions.StreamWindowBatches"/> batches while earlier ones are being committed, and
/// acknowledges each batch, in order, once it is committed. When the window is full the stream is not read, so
/// HTTP/2 flow control slows the producer. The first batch that cannot be stored ends the stream with its status
/// (INVALID_ARGUMENT or UNAVAILABLE); batches acknowledged before it stay stored. A message that cannot be read
/// (undecodable, or refused by authorization) ends the stream with its status too, but only after every batch read
/// before it is acknowledged: those may be committed already. When the service shuts down it stops reading,
/// acknowledges every batch already read once it is committed, and ends the stream with UNAVAILABLE so the producer
/// reconnects and re-sends the rest.
/// </summary>
internal sealed class StreamAcknowledger(FactIngestor ingestor, IOptions<IngestionOptions> options, IHostApplicationLifetime lifetime)
{
    /// <summary>Serves one stream until its producer finishes, it fails, or the service stops.</summary>
    public async Task RunAsync(
        IAsyncStreamReader<IngestStreamRequest> requestStream, IServerStreamWriter<IngestStreamResponse> responseStream, CancellationToken callCancelled)
    {
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(callCancelled, lifetime.ApplicationStopping);
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(callCancelled);
        var inFlight = Channel.CreateBounded<(ulong Sequence, Task<IngestOutcome> Outcome)>(options.Value.StreamWindowBatches);

        var acknowledging = AcknowledgeAsync(inFlight.Reader, responseStream, stopReading, abandon);
        var producerFinished = false;
        ExceptionDispatchInfo? unreadable = null;
        try
        {
            while (await requestStream.MoveNext(stopReading.Token))
            {
                var request = requestStream.Current;
                await inFlight.Writer.WriteAsync((request.BatchSequence, ingestor.IngestAsync(request.Facts, abandon.Token)), stopReading.Token);
            }

            producerFinished = true;
        }
        catch (OperationCanceledException) when (stopReading.IsCancellationRequested && !callCancelled.IsCancellationRequested)
        {
            // Shutting down, or the acknowledging side failed; either way what was read is still answered below.
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            // A message refused as it was read (another shop's facts), or bytes that are no message at all: the
            // batches read before it may be committed already, so they are still answered before the stream ends
            // with this error (StoreErrorInterceptor maps an undecodable message to INVALID_ARGUMENT).
            unreadable = ExceptionDispatchInfo.Capture(error);
        }
        finally
        {
            inFlight.Writer.TryComplete();
        }

        // A failed batch ends the stream with its status (StoreErrorInterceptor maps it).
        await acknowledging;
        unreadable?.Throw();

        if (!producerFinished)
        {
            throw GrpcErrors.Unavailable(
                "The service is shutting down. Every batch acknowledged on this stream is stored; reconnect and re-send the rest.",
                options.Value.RetryDelay);
        }
    }

    private static async Task AcknowledgeAsync(
        ChannelReader<(ulong Sequence, Task<IngestOutcome> Outcome)> inFlight,
        IServerStreamWriter<IngestStreamResponse> responseStream,
        CancellationTokenSource stopReading,
        CancellationTokenSource abandon)
    {
        try
        {
            await foreach (var (sequence, outcome) in inFlight.ReadAllAsync(CancellationToken.None))
            {
                await responseStream.WriteAsync(new IngestStreamResponse { BatchSequence = sequence, Outcome = await outcome });
            }
        }
        catch
        {
            // Nothing more can be acknowledged on this stream: stop reading and stop waiting for commits.
            await stopReading.CancelAsync();
            await abandon.CancelAsync();
            throw;
        }
    }
}
