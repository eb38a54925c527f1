using ServiceAnalytics.Server.Ingestion;
using ServiceAnalytics.Server.Services;
using ServiceAnalytics.Storage;
using ServiceAnalytics.Storage.Facts;
using ServiceAnalytics.Storage.Metrics;
using ServiceAnalytics.Storage.Rollups;
using ServiceAnalytics.Server.Rollups;
using ServiceAnalytics.Server.Security;

namespace ServiceAnalytics.Server.Hosting;

/// <summary>Builds the service: storage, start-up migrations, gRPC services, health and reflection.</summary>
public static class ServiceAnalyticsApp
{
    /// <param name="args">Command-line arguments (configuration overrides such as <c>--ClickHouse:Database=x</c>).</param>
    /// <param name="configure">Lets tests add configuration or services before the app is built.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);

        var developmentKey = builder.AddServiceAnalyticsSecurity();
        builder.Services.AddClickHouseStorage(builder.Configuration);
        builder.Services.AddHostedService<SchemaMigrationService>();

        builder.Services.AddOptions<IngestionOptions>().Bind(builder.Configuration.GetSection(IngestionOptions.SectionName));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<FactWriter>();
        builder.Services.AddSingleton<FactValidator>();
        builder.Services.AddSingleton<FactIngestor>();
        builder.Services.AddSingleton<IngestionPipeline>();
        builder.Services.AddHostedService(services => services.GetRequiredService<IngestionPipeline>());
        builder.Services.AddSingleton<ChatQueries>();
        builder.Services.AddOptions<QueryOptions>().Bind(builder.Configuration.GetSection(QueryOptions.SectionName));
        builder.Services.AddSingleton<PageTokens>();

        builder.Services.AddRollupScheduling(
            builder.Configuration.GetSection(RollupOptions.SectionName).Get<RollupOptions>() ?? new RollupOptions());

        var ingestion = builder.Configuration.GetSection(IngestionOptions.SectionName).Get<IngestionOptions>() ?? new IngestionOptions();
        var grpcBuilder = builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = ingestion.MaxMessageBytes;
            // Store errors are translated around everything, the ownership lookup of authorization included (it only
            // maps exceptions). Authorization comes before any service: a refused call never reaches the store.
            grpc.Interceptors.Add<StoreErrorInterceptor>();
            grpc.Interceptors.Add<CallerAuthorizationInterceptor>();
        });
        // A body that is not a message fails inside gRPC's handler, before any interceptor; detailed errors let the
        // producer see the decoding error instead of a bare UNKNOWN. Everything else ingestion throws is mapped first.
        grpcBuilder.AddServiceOptions<IngestionGrpcService>(options => options.EnableDetailedErrors = true);
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks().AddCheck<StoreHealthCheck>("clickhouse").AddCheck<RollupHealthCheck>("rollups");

        builder.Services.AddSingleton<CallerAuthorizationInterceptor>();
        var app = builder.Build();
        app.UseAuthentication();
        if (developmentKey is not null)
        {
            ServerLog.DevelopmentKeyInUse(app.Logger, developmentKey, ApiKeyAuthenticationHandler.Header);
        }

        app.MapGrpcService<IngestionGrpcService>();
        app.MapGrpcService<AnalyticsGrpcService>();
        app.MapGrpcService<OperationsGrpcService>();
        app.MapGrpcHealthChecksService();
        app.MapHealthChecks("/health", HealthReportWriter.Options);
        app.MapGrpcReflectionService();
        return app;
    }
}
