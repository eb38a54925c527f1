using ServiceAnalytics.Storage;

namespace ServiceAnalytics.Server.Ingestion;

/// <summary>The ranges of <see cref="IngestionOptions"/>, checked when the service starts.</summary>
internal sealed class IngestionOptionsValidator() : RangeValidator<IngestionOptions>(IngestionOptions.SectionName)
{
    protected override void Check(OptionRanges ranges, IngestionOptions options) => ranges
        .Int(nameof(options.MaxFactsPerBatch), options.MaxFactsPerBatch, 1, 1_000_000)
        .Int(nameof(options.MaxMessageBytes), options.MaxMessageBytes, 1024, 1024 * 1024 * 1024)
        .Int(nameof(options.QueueCapacityBatches), options.QueueCapacityBatches, 1, 10_000)
        .Int(nameof(options.StreamWindowBatches), options.StreamWindowBatches, 1, 1_000)
        .Int(nameof(options.Writers), options.Writers, 1, 64)
        .Int(nameof(options.FlushRows), options.FlushRows, 1, 10_000_000)
        .Duration(nameof(options.FlushInterval), options.FlushInterval, TimeSpan.Zero, TimeSpan.FromMinutes(1))
        .Int(nameof(options.MaxTagsPerChat), options.MaxTagsPerChat, 1, 10_000)
        .Duration(nameof(options.MaxFactAge), options.MaxFactAge, TimeSpan.FromDays(1), TimeSpan.FromDays(3_650))
        .Duration(nameof(options.MaxClockSkew), options.MaxClockSkew, TimeSpan.Zero, TimeSpan.FromDays(1))
        .Duration(nameof(options.RetryDelay), options.RetryDelay, TimeSpan.Zero, TimeSpan.FromMinutes(10))
        .Check(options.JournalPath is null || !string.IsNullOrWhiteSpace(options.JournalPath), nameof(options.JournalPath), "must name a folder")
        .Duration(nameof(options.VisibilityWait), options.VisibilityWait, TimeSpan.Zero, TimeSpan.FromMinutes(1));
}
