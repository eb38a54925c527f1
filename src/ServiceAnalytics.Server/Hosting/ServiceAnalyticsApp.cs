using ServiceAnalytics.Storage;

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

        builder.Services.AddClickHouseStorage(builder.Configuration);
        builder.Services.AddHostedService<SchemaMigrationService>();
        builder.Services.AddGrpc();
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks().AddCheck<StoreHealthCheck>("clickhouse");

        var app = builder.Build();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }
}
