using ServiceAnalytics.Storage.Bi;
using ServiceAnalytics.Storage.Outcomes;
using ServiceAnalytics.Storage.Queries;
using ServiceAnalytics.Storage.Rollups;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Storage.Migrations;

namespace ServiceAnalytics.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the ClickHouse store (server or embedded, from the <c>ClickHouse</c> section), the migrator and readiness,
    /// the outcome planner and the queries over it, the rollup runner, and the BI SQL runner (<c>BiSql</c> section); every
    /// section is checked at start-up.
    /// </summary>
    public static IServiceCollection AddClickHouseStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ClickHouseOptions, ClickHouseOptionsValidator>(configuration.GetSection(ClickHouseOptions.SectionName));
        services.AddSingleton<IValidateOptions<ClickHouseOptions>, BiAccessOptionsValidator>();
        services.AddValidatedOptions<RollupOptions, RollupOptionsValidator>(configuration.GetSection(RollupOptions.SectionName));
        services.AddSingleton<ClickHouseStore>();
        services.AddSingleton<SchemaMigrator>();
        services.AddSingleton<SchemaReadiness>();
        services.AddSingleton<RollupProgressReader>();
        services.AddSingleton<ShopCalendars>();
        // The planner takes the snapshot age alone: Outcomes does not depend on the rollup job's options.
        services.AddSingleton(provider => new OutcomePlanner(
            provider.GetRequiredService<ClickHouseStore>(), provider.GetRequiredService<RollupProgressReader>(),
            provider.GetRequiredService<IOptions<RollupOptions>>().Value.SnapshotMaxAge));
        services.AddSingleton<MetricQueries>();
        services.AddSingleton<ShopOwnership>();
        services.AddSingleton<RollupInstruments>();
        services.AddSingleton<RollupRunner>();
        services.AddValidatedOptions<BiSqlOptions, BiSqlOptionsValidator>(configuration.GetSection(BiSqlOptions.SectionName));
        services.AddSingleton<BiSqlClient>();
        services.AddSingleton<BiCatalog>();
        services.AddSingleton<BiQueryGuard>();
        services.AddSingleton<BiQueryRunner>();
        return services;
    }
}
