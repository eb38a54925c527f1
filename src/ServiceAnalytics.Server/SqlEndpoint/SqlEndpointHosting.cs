using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using ServiceAnalytics.Server.Hosting;
using ServiceAnalytics.Storage;

namespace ServiceAnalytics.Server.SqlEndpoint;

/// <summary>
/// Puts the SQL endpoint on its own Kestrel endpoint (HTTP/1.1, <see cref="SqlEndpointOptions.Url"/>) and routes every
/// request that comes in through it, and only those, to <see cref="SqlEndpointHandler"/>: the service's other routes
/// do not answer there, and the endpoint answers nowhere else.
/// </summary>
internal static class SqlEndpointHosting
{
    /// <summary>The endpoint's configured URL when it is served with this configuration, else null.</summary>
    public static string? ServedUrl(IConfiguration configuration)
    {
        var options = configuration.GetSection(SqlEndpointOptions.SectionName).Get<SqlEndpointOptions>() ?? new SqlEndpointOptions();
        var clickHouse = configuration.GetSection(ClickHouseOptions.SectionName).Get<ClickHouseOptions>() ?? new ClickHouseOptions();
        return options.IsServed(clickHouse) ? options.Url : null;
    }

    /// <summary>Registers the options (checked at start) and, when served, the handler and the Kestrel endpoint.</summary>
    public static void AddSqlEndpoint(this WebApplicationBuilder builder, ServiceEndpoints endpoints)
    {
        var section = builder.Configuration.GetSection(SqlEndpointOptions.SectionName);
        builder.Services.AddValidatedOptions<SqlEndpointOptions, SqlEndpointOptionsValidator>(section);
        if (ServedUrl(builder.Configuration) is not { } served || SqlEndpointOptions.Parse(served) is not { } url)
        {
            // Not served, or a URL the validator refuses at start, naming the setting.
            return;
        }

        var options = section.Get<SqlEndpointOptions>() ?? new SqlEndpointOptions();
        var connections = new SqlConnectionCount(options.MaxConnections);
        builder.Services.AddSingleton<SqlEndpointHandler>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            void Configure(ListenOptions listen)
            {
                listen.Use(connections.Count);
                // BI drivers speak HTTP/1.1; this endpoint's own setting overrides the HTTP/2 default of ServiceEndpoints.
                listen.Protocols = HttpProtocols.Http1;
                if (url.Https && !string.IsNullOrEmpty(options.CertificatePath))
                {
                    // Relative to the working directory, like the service's other paths (ServiceAnalyticsApp.ContentRoot).
                    listen.UseHttps(X509CertificateLoader.LoadPkcs12FromFile(Path.GetFullPath(options.CertificatePath), options.CertificatePassword));
                }

                endpoints.AddSql(listen);
            }

            if (url.Address is null)
            {
                kestrel.ListenAnyIP(url.Port, Configure);
            }
            else if (url.Localhost)
            {
                kestrel.ListenLocalhost(url.Port, Configure);
            }
            else
            {
                kestrel.Listen(url.Address, url.Port, Configure);
            }
        });
    }

    /// <summary>Sends the requests that came in through the SQL endpoint to its handler, before anything else sees them.</summary>
    public static void UseSqlEndpoint(this WebApplication app)
    {
        if (app.Services.GetService<SqlEndpointHandler>() is not { } handler)
        {
            return;
        }

        var endpoints = app.Services.GetRequiredService<ServiceEndpoints>();
        app.MapWhen(context => endpoints.IsSql(context.Connection.LocalPort), sql => sql.Run(handler.HandleAsync));
    }
}
