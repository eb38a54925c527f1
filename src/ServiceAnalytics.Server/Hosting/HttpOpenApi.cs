using Microsoft.OpenApi.Models;

namespace ServiceAnalytics.Server.Hosting;

/// <summary>
/// The OpenAPI document of the HTTP/JSON routes, generated from the protos' <c>google.api.http</c> annotations
/// (Microsoft.AspNetCore.Grpc.Swagger) with the proto comments as descriptions, served at <see cref="Path"/>. It
/// describes the API and holds no data, so it needs no credentials (like a public API reference).
/// </summary>
internal static class HttpOpenApi
{
    public const string Path = "/openapi/v1.json";

    public static IServiceCollection AddHttpOpenApi(this IServiceCollection services)
    {
        services.AddGrpcSwagger();
        services.AddSwaggerGen(swagger =>
        {
            swagger.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "Service Analytics",
                Version = "v1",
                Description = "The query, operations and batch ingestion RPCs over HTTP/JSON (every metric is defined in docs/metrics.md). "
                    + "Authenticate with the x-api-key header or an Authorization: Bearer token.",
            });
            // Generated from protos/ by Grpc.Tools: the proto comments as XML docs.
            var comments = System.IO.Path.Combine(AppContext.BaseDirectory, "ServiceAnalytics.Contracts.xml");
            swagger.IncludeXmlComments(comments);
            swagger.IncludeGrpcXmlComments(comments, includeControllerXmlComments: true);
        });
        return services;
    }

    public static WebApplication UseHttpOpenApi(this WebApplication app)
    {
        app.UseSwagger(options => options.RouteTemplate = "openapi/{documentName}.json");
        return app;
    }
}
