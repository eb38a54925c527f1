using Grpc.Core;
using ServiceAnalytics.Contracts.Ingest.V1;
using ServiceAnalytics.Server.Ingestion;

namespace ServiceAnalytics.Server.Services;

/// <summary>
/// <c>service_analytics.ingest.v1.IngestionService</c>: maps requests to <see cref="FactIngestor"/> and outcomes
/// back. A batch is acknowledged only after its valid facts are committed to ClickHouse.
/// </summary>
internal sealed class IngestionGrpcService(FactIngestor ingestor, StreamAcknowledger acknowledger)
    : IngestionService.IngestionServiceBase
{
    public override async Task<IngestBatchResponse> IngestBatch(IngestBatchRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        return new IngestBatchResponse { Outcome = await ingestor.IngestAsync(request.Facts, context.CancellationToken) };
    }

    /// <summary>Acknowledges each batch, in order, once it is committed (<see cref="StreamAcknowledger"/>).</summary>
    public override Task IngestStream(IAsyncStreamReader<IngestStreamRequest> requestStream, IServerStreamWriter<IngestStreamResponse> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        return acknowledger.RunAsync(requestStream, responseStream, context.CancellationToken);
    }
}
