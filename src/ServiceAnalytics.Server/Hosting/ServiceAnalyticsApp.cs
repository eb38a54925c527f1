using Grpc.AspNetCore.Web;
using Microsoft.AspNetCore.Hosting.Server;
using ServiceAnalytics.Server.Ingestion;
using ServiceAnalytics.Server.Services;
using ServiceAnalytics.Storage;
using ServiceAnalytics.Storage.Rollups;
using ServiceAnalytics.Server.Rollups;
using ServiceAnalytics.Server.Security;
using ServiceAnalytics.Server.SqlEndpoint;
using ServiceAnalytics.Server.Telemetry;

namespace ServiceAnalytics.Server.Hosting;

/// <summary>Builds the service: storage, start-up migrations, gRPC services, health and reflection.</summary>
public static class ServiceAnalyticsApp
{
    /// <param name="args">Command-line arguments (configuration overrides such as <c>--ClickHouse:Database=x</c>).</param>
    /// <param name="configure">Lets tests add configuration or services before the app is built.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = ContentRoot });
        // gRPC over plaintext needs HTTP/2 without negotiation; HTTP/1.1 alongside would make Kestrel answer a
        // producer's HTTP/2 preface with a protocol error. So every endpoint is HTTP/2 only unless its settings say
        // otherwise, as the shipped web endpoint's do (ServiceEndpoints).
        var endpoints = new ServiceEndpoints();
        builder.Services.AddSingleton(endpoints);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(endpoints.Add));
        configure?.Invoke(builder);

        var developmentKey = builder.AddServiceAnalyticsSecurity();
        builder.AddServiceAnalyticsTelemetry();
        builder.AddSqlEndpoint(endpoints);
        builder.Services.AddClickHouseStorage(builder.Configuration);
        builder.Services.AddHostedService<SchemaMigrationService>();

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddFactIngestion(builder.Configuration);
        AddServiceParts(builder.Services, builder.Configuration);

        builder.Services.AddRollupScheduling(
            builder.Configuration.GetSection(RollupOptions.SectionName).Get<RollupOptions>() ?? new RollupOptions());

        AddGrpcServices(builder);
        var app = builder.Build();
        UseServiceParts(app, developmentKey);
        return app;
    }

    /// <summary>The gRPC services with their interceptors, JSON transcoding, reflection and health checks.</summary>
    private static void AddGrpcServices(WebApplicationBuilder builder)
    {
        var ingestion = builder.Configuration.GetSection(IngestionOptions.SectionName).Get<IngestionOptions>() ?? new IngestionOptions();
        var grpcBuilder = builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = ingestion.MaxMessageBytes;
            // Outermost: every call is timed with the status it ends with (rpc.server.call.duration).
            grpc.Interceptors.Add<RpcServerInstruments>();
            // Store errors are translated around everything, the ownership lookup of authorization included (it only
            // maps exceptions). Authorization comes before any service: a refused call never reaches the store.
            grpc.Interceptors.Add<StoreErrorInterceptor>();
            grpc.Interceptors.Add<CallerAuthorizationInterceptor>();
        });
        // HTTP/JSON (the google.api.http routes of protos/) runs each call through the same services and interceptors.
        grpcBuilder.AddJsonTranscoding(transcoding => transcoding.TypeRegistry = GrpcErrors.DetailTypes);
        builder.Services.AddHttpOpenApi();
        // A body that is not a message fails inside gRPC's handler, before any interceptor; detailed errors let the
        // producer see the decoding error instead of a bare UNKNOWN. Everything else ingestion throws is mapped first.
        grpcBuilder.AddServiceOptions<IngestionGrpcService>(options => options.EnableDetailedErrors = true);
        // Query RPCs are timed with the source that served them, inside authorization (refusals are counted apart),
        // their wait for a turn to answer included.
        grpcBuilder.AddServiceOptions<AnalyticsGrpcService>(options =>
        {
            options.Interceptors.Add<QueryInstruments>();
            options.Interceptors.Add<QueryAdmission>();
        });
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks().AddCheck<StoreHealthCheck>("clickhouse", tags: [HealthProbes.ReadyTag]).AddCheck<RollupHealthCheck>("rollups");

        builder.Services.AddSingleton<CallerAuthorizationInterceptor>();
        builder.Services.AddSingleton<QueryInstruments>();
        builder.Services.AddSingleton<QueryAdmission>();
        builder.Services.AddSingleton<RpcServerInstruments>();
    }

    /// <summary>The middleware in the order requests meet it, and the routes.</summary>
    private static void UseServiceParts(WebApplication app, string? developmentKey)
    {
        app.UseSqlEndpoint();
        app.UseServiceAnalyticsPage();
        app.UseAuthentication();
        app.UseMetricsScrapeEndpoint();
        // gRPC-Web for browsers, on every gRPC service (the same services, interceptors included).
        app.UseGrpcWeb(new GrpcWebOptions { DefaultEnabled = true });
        app.UseHttpRequestChecks();
        app.UseHttpOpenApi();
        app.Lifetime.ApplicationStarted.Register(() => LogStarted(app, developmentKey));

        app.MapGrpcService<IngestionGrpcService>();
        app.MapGrpcService<AnalyticsGrpcService>();
        app.MapGrpcService<OperationsGrpcService>();
        app.MapGrpcHealthChecksService();
        app.MapHealthChecks("/health", HealthReportWriter.Options);
        app.MapHealthProbes();
        app.MapGrpcReflectionService();
    }

    /// <summary>What the gRPC services share beyond storage and ingestion: page tokens, transfers, stream acknowledgement.</summary>
    private static void AddServiceParts(IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<QueryOptions, QueryOptionsValidator>(configuration.GetSection(QueryOptions.SectionName));
        services.AddSingleton<PageTokens>();
        services.AddSingleton<ChatTransfer>();
        services.AddSingleton<StreamAcknowledger>();
    }

    /// <summary>
    /// Where the service reads its settings (<c>appsettings.json</c>): the folder of its binary, whatever the
    /// working directory, so it behaves the same wherever it is started from. Relative paths in the settings
    /// (<c>ClickHouse:Embedded:DataPath</c>, <c>Security:DevelopmentKeyPath</c>) still resolve against the working
    /// directory: data is state, kept where the service is run, not in a folder a redeployment replaces.
    /// </summary>
    internal static string ContentRoot => AppContext.BaseDirectory;

    /// <summary>
    /// Once bound, logs the addresses really listened on (a port of 0 or an override is known only now) and, with the
    /// development key, how to call them.
    /// </summary>
    private static void LogStarted(WebApplication app, string? developmentKey)
    {
        var server = app.Services.GetRequiredService<IServer>();
        var endpoints = app.Services.GetRequiredService<ServiceEndpoints>();
        var grpc = endpoints.Grpc(server);
        var web = endpoints.Web(server);
        static string Join(IEnumerable<Uri> addresses) => string.Join(", ", addresses.Select(a => a.GetLeftPart(UriPartial.Authority)));
        ServerLog.Listening(app.Logger, Join(grpc), Join(web), ContentRoot, Environment.CurrentDirectory);
        if (endpoints.Sql(server) is { Count: > 0 } sql)
        {
            ServerLog.SqlEndpointListening(app.Logger, Join(sql));
        }
        if (web.Count > 0)
        {
            ServerLog.PageAt(app.Logger, web[0].GetLeftPart(UriPartial.Authority) + "/");
        }
        if (developmentKey is not null && web.Count > 0)
        {
            ServerLog.DevelopmentKeyInUse(app.Logger, developmentKey, ApiKeyAuthenticationHandler.Header, web[0].GetLeftPart(UriPartial.Authority));
        }
    }
}
