using ServiceAnalytics.Storage.Facts;
using ServiceAnalytics.Storage.Queries;
using ServiceAnalytics.Storage;

namespace ServiceAnalytics.Server.Ingestion;

public static class IngestionServiceCollectionExtensions
{
    /// <summary>
    /// Registers the ingestion path — validation, the ingestor, the pipeline and its writer — for the service and for
    /// the commands that ingest in process (<c>demo</c>), so both store facts by the same rules. Needs the storage
    /// services and a <see cref="TimeProvider"/>.
    /// </summary>
    public static IServiceCollection AddFactIngestion(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<IngestionOptions, IngestionOptionsValidator>(configuration.GetSection(IngestionOptions.SectionName));
        services.AddSingleton<IngestionInstruments>();
        services.AddSingleton<FactWriter>();
        services.AddSingleton<FactValidator>();
        services.AddSingleton<FactIngestor>();
        services.AddSingleton<FactVisibility>();
        services.AddSingleton<IngestionPipeline>();
        services.AddHostedService(provider => provider.GetRequiredService<IngestionPipeline>());
        services.AddSingleton<ChatQueries>();
        return services;
    }
}
