using ServiceAnalytics.EmbeddedClickHouse;

namespace ServiceAnalytics.Storage;

/// <summary>The settings of <see cref="ClickHouseOptions"/> and its <see cref="EmbeddedEngineOptions"/>, checked when the service starts.</summary>
public sealed class ClickHouseOptionsValidator() : RangeValidator<ClickHouseOptions>(ClickHouseOptions.SectionName)
{
    protected override void Check(OptionRanges ranges, ClickHouseOptions options) => ranges
        .Check(options.UsesEmbeddedEngine || IsHttpUrl(options.ServerUrl!), nameof(options.ServerUrl), "must be unset (the embedded engine) or an http or https URL")
        .Check(SchemaNames.IsIdentifier(options.Database), nameof(options.Database), SchemaNames.IdentifierRule)
        .Check(options.Cluster is null || SchemaNames.IsIdentifier(options.Cluster), nameof(options.Cluster), "must be unset or " + SchemaNames.IdentifierRule)
        .Duration(nameof(options.CommandTimeout), options.CommandTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1))
        .Check(!string.IsNullOrWhiteSpace(options.Embedded.DataPath), "Embedded:DataPath", "must name a folder")
        .Int("Embedded:MaxConnections", options.Embedded.MaxConnections, 1, 64)
        .Int("Embedded:IngestionConnections", options.Embedded.IngestionConnections, 1, 64)
        .Int("Embedded:MaxMemoryMiB", options.Embedded.MaxMemoryMiB, 256, 1_048_576)
        .Int("Embedded:MaxStatementMemoryMiB", options.Embedded.MaxStatementMemoryMiB, 64, Math.Max(64, options.Embedded.MaxMemoryMiB));

    private static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
