using Grpc.Core;
using Grpc.Net.Client;
using ServiceAnalytics.Contracts.Ingest.V1;
using ServiceAnalytics.Server.Ingestion;

namespace ServiceAnalytics.Server.Commands.Import;

/// <summary>Where an import sends its batches: the ingestion path, in process or in the running service.</summary>
public interface IFactSink
{
    /// <summary>
    /// Ingests one batch as <c>IngestBatch</c> does: the outcome's rejections carry each rejected fact's index, field
    /// and reason; returns once the accepted facts are committed.
    /// </summary>
    /// <exception cref="ImportFailedException">The batch could not be ingested (store or service unreachable, credential refused).</exception>
    Task<IngestOutcome> IngestAsync(IReadOnlyList<Fact> facts, CancellationToken cancellationToken);
}

/// <summary>With the service stopped: the service's own <see cref="FactIngestor"/> over the store, in this process.</summary>
public sealed class StoreFactSink(FactIngestor ingestor) : IFactSink
{
    public async Task<IngestOutcome> IngestAsync(IReadOnlyList<Fact> facts, CancellationToken cancellationToken)
    {
        try
        {
            return await ingestor.IngestAsync(facts, cancellationToken);
        }
        catch (StoreUnavailableException error)
        {
            throw new ImportFailedException($"The store did not take a batch: {error.Message} ({error.InnerException?.Message})", error);
        }
    }
}

/// <summary>Against the running service: <c>IngestBatch</c> over gRPC with an API key (<c>x-api-key</c>).</summary>
public sealed class ServiceFactSink(GrpcChannel channel, Uri address, string apiKey) : IFactSink
{
    private readonly IngestionService.IngestionServiceClient _client = new(channel);
    private readonly Metadata _headers = new() { { "x-api-key", apiKey } };

    public async Task<IngestOutcome> IngestAsync(IReadOnlyList<Fact> facts, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _client.IngestBatchAsync(new IngestBatchRequest { Facts = { facts } }, _headers, cancellationToken: cancellationToken);
            return response.Outcome;
        }
        catch (RpcException error) when (error.StatusCode != StatusCode.Cancelled || !cancellationToken.IsCancellationRequested)
        {
            throw new ImportFailedException(Explain(error), error);
        }
    }

    private string Explain(RpcException error) => error.StatusCode switch
    {
        StatusCode.Unauthenticated => $"The service at {address} refused the API key (UNAUTHENTICATED: {error.Status.Detail}). Check --api-key-file or SERVICE_ANALYTICS_API_KEY.",
        StatusCode.PermissionDenied => $"The service at {address} does not let this API key ingest these facts (PERMISSION_DENIED: {error.Status.Detail}). The key needs the ingest scope and the facts' shops.",
        StatusCode.Unavailable => $"The service at {address} is unreachable or cannot store facts now (UNAVAILABLE: {error.Status.Detail}). Re-run the same command to resume.",
        StatusCode.InvalidArgument => $"The service at {address} refused a batch as a whole (INVALID_ARGUMENT: {error.Status.Detail}). A smaller --batch may be needed.",
        StatusCode.ResourceExhausted => $"The service at {address} refused a batch (RESOURCE_EXHAUSTED: {error.Status.Detail}). A smaller --batch or a higher rate limit may be needed; re-run to resume.",
        _ => $"The service at {address} failed a batch ({error.StatusCode}: {error.Status.Detail}).",
    };
}
