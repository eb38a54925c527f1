using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Contracts.Ingest.V1;
using ServiceAnalytics.EmbeddedClickHouse;
using ServiceAnalytics.Server.Hosting;
using ServiceAnalytics.Server.Ingestion;
using ServiceAnalytics.Storage;
using ServiceAnalytics.Storage.Migrations;

namespace ServiceAnalytics.Server.Commands.Import;

/// <summary>Where an import sends its batches: the ingestion path, in process or in the running service.</summary>
public interface IFactSink : IAsyncDisposable
{
    /// <summary>Where the facts go, for the command's first line ("the store (database …)", "the service at …").</summary>
    string Description { get; }

    /// <summary>
    /// Ingests one batch as <c>IngestBatch</c> does: the outcome's rejections carry each rejected fact's index, field
    /// and reason; returns once the accepted facts are committed.
    /// </summary>
    /// <exception cref="CommandFailedException">The batch could not be ingested (store or service unreachable, credential refused).</exception>
    Task<IngestOutcome> IngestAsync(IReadOnlyList<Fact> facts, CancellationToken cancellationToken);
}

/// <summary>
/// With the service stopped: the service's own <see cref="FactIngestor"/> over the store, with the ingestion pipeline
/// running in this process (as <c>demo</c> does), on the service's configuration and the command's overrides.
/// </summary>
public sealed class StoreFactSink : IFactSink
{
    private readonly IHost _host;
    private readonly IngestionPipeline _pipeline;
    private readonly FactIngestor _ingestor;

    private StoreFactSink(IHost host, string description)
    {
        _host = host;
        _pipeline = host.Services.GetRequiredService<IngestionPipeline>();
        _ingestor = host.Services.GetRequiredService<FactIngestor>();
        Description = description;
    }

    public string Description { get; }

    /// <summary>Opens the store, applies pending migrations and starts the pipeline.</summary>
    /// <exception cref="OptionsValidationException">A setting is out of range, or <paramref name="batchSize"/> is over <c>Ingestion:MaxFactsPerBatch</c>.</exception>
    /// <exception cref="CommandFailedException">The store cannot be opened or reached.</exception>
    public static async Task<StoreFactSink> OpenAsync(string[] settings, int batchSize)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = settings, ContentRootPath = ServiceAnalyticsApp.ContentRoot });
        builder.Services.AddClickHouseStorage(builder.Configuration);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddFactIngestion(builder.Configuration);
        var host = builder.Build();
        try
        {
            // Reading the options validates them (the host, which would on start, is not started).
            var limit = host.Services.GetRequiredService<IOptions<IngestionOptions>>().Value.MaxFactsPerBatch;
            if (batchSize > limit)
            {
                throw new OptionsValidationException(IngestionOptions.SectionName, typeof(IngestionOptions),
                    [$"--batch {batchSize} is over Ingestion:MaxFactsPerBatch ({limit}): lower --batch or raise the setting."]);
            }

            var store = host.Services.GetRequiredService<ClickHouseStore>();
            try
            {
                await host.Services.GetRequiredService<SchemaMigrator>().MigrateAsync(CancellationToken.None);
            }
            catch (EmbeddedEngineUnavailableException unavailable)
            {
                throw new CommandFailedException($"{unavailable.Message} If the service is running, stop it, or import through it with --service.", unavailable);
            }
            catch (Exception unreachable) when (unreachable is HttpRequestException or ClickHouse.Driver.ClickHouseServerException)
            {
                throw new CommandFailedException($"the store ({store.Options.ServerUrl ?? "embedded"}, database {store.Options.Database}) cannot be reached: {unreachable.Message}", unreachable);
            }

            var sink = new StoreFactSink(host, $"the store (database {store.Options.Database}{(store.Options.ServerUrl is { } url ? $" on {url}" : ", embedded engine")})");
            // The pipeline alone, not the host: nothing else of the service runs.
            await sink._pipeline.StartAsync(CancellationToken.None);
            return sink;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    public async Task<IngestOutcome> IngestAsync(IReadOnlyList<Fact> facts, CancellationToken cancellationToken)
    {
        try
        {
            return await _ingestor.IngestAsync(facts, cancellationToken);
        }
        catch (StoreUnavailableException error)
        {
            throw new CommandFailedException($"The store did not take a batch: {error.Message} ({error.InnerException?.Message}) Re-run to resume.", error);
        }
        catch (Exception error) when (error is HttpRequestException or ClickHouse.Driver.ClickHouseServerException)
        {
            // A read of the batch's validation (stored chat tags) that the store refused: the same failure, earlier.
            throw new CommandFailedException($"The store did not answer while a batch was checked: {error.Message} Re-run to resume.", error);
        }
    }

    /// <summary>Drains the pipeline (batches already handed over are written before the command exits), then closes the store.</summary>
    public async ValueTask DisposeAsync()
    {
        await _pipeline.StopAsync(CancellationToken.None);
        _host.Dispose();
    }
}

/// <summary>Against the running service: <c>IngestBatch</c> over gRPC with an API key (<c>x-api-key</c>).</summary>
public sealed class ServiceFactSink : IFactSink
{
    private readonly GrpcChannel _channel;
    private readonly Uri _address;
    private readonly IngestionService.IngestionServiceClient _client;

    /// <param name="address">The service's address, for messages.</param>
    /// <param name="channel">A channel whose calls carry the key (<see cref="ServiceConnection.OpenAsync"/>); disposed with the sink.</param>
    public ServiceFactSink(Uri address, GrpcChannel channel)
    {
        _address = address;
        _channel = channel;
        _client = new IngestionService.IngestionServiceClient(channel);
    }

    public string Description => $"the service at {_address}";

    public async Task<IngestOutcome> IngestAsync(IReadOnlyList<Fact> facts, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _client.IngestBatchAsync(new IngestBatchRequest { Facts = { facts } }, cancellationToken: cancellationToken);
            return response.Outcome;
        }
        catch (RpcException error)
        {
            throw new CommandFailedException(Explain(error), error);
        }
    }

    public ValueTask DisposeAsync()
    {
        _channel.Dispose();
        return ValueTask.CompletedTask;
    }

    private string Explain(RpcException error) => error.StatusCode switch
    {
        StatusCode.Unauthenticated => $"The service at {_address} refused the API key (UNAUTHENTICATED: {error.Status.Detail}). Check --api-key-file or ${ServiceConnection.ApiKeyVariable}.",
        StatusCode.PermissionDenied => $"The service at {_address} does not let this API key ingest these facts (PERMISSION_DENIED: {error.Status.Detail}). The key needs the ingest scope and the facts' shops.",
        StatusCode.Unavailable => $"The service at {_address} is unreachable or cannot store facts now (UNAVAILABLE: {error.Status.Detail}). Re-run the same command to resume.",
        StatusCode.InvalidArgument => $"The service at {_address} refused a batch as a whole (INVALID_ARGUMENT: {error.Status.Detail}). A smaller --batch may be needed.",
        StatusCode.ResourceExhausted => $"The service at {_address} refused a batch (RESOURCE_EXHAUSTED: {error.Status.Detail}). A smaller --batch or a higher rate limit may be needed; re-run to resume.",
        _ => $"The service at {_address} failed a batch ({error.StatusCode}: {error.Status.Detail}).",
    };
}
