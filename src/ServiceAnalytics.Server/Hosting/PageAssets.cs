using Microsoft.Extensions.FileProviders;

namespace ServiceAnalytics.Server.Hosting;

/// <summary>
/// Serves the Service Analytics page (built from <c>src/ServiceAnalytics.Web</c> by <c>WebAssets.targets</c> into
/// <c>page/</c> beside the binary) at <c>/</c>. The page is one document whose views are switched in the browser, so
/// there is no fallback route: an unknown path stays a 404 instead of answering an API caller with HTML. The files are
/// public (the page holds no data; every figure is fetched with the caller's credential).
/// </summary>
internal static class PageAssets
{
    /// <summary>The folder, beside the binary, the build copies the page into.</summary>
    public static string Folder => Path.Combine(ServiceAnalyticsApp.ContentRoot, "page");

    public static IApplicationBuilder UseServiceAnalyticsPage(this IApplicationBuilder app)
    {
        // A build with -p:SkipWebBuild=true and no dist/ fails at build time, so the folder exists wherever the
        // service was built; a hand-assembled deployment without it simply has no page.
        if (!Directory.Exists(Folder))
        {
            return app;
        }

        var files = new PhysicalFileProvider(Folder);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        return app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            // index.html names the current hashed assets: it is revalidated on every visit; the hashed assets never change.
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl =
                context.File.Name == "index.html" ? "no-cache" : "public, max-age=31536000, immutable",
        });
    }
}
