using System.Globalization;

namespace ServiceAnalytics.Storage;

/// <summary>
/// The settings of <see cref="ClickHouseOptions.BiAccess"/>, checked when the service starts. It validates the whole
/// <c>ClickHouse</c> section because one rule needs both: BI access cannot be enabled on the embedded engine.
/// </summary>
public sealed class BiAccessOptionsValidator() : RangeValidator<ClickHouseOptions>(ClickHouseOptions.SectionName)
{
    /// <summary>Why BI access cannot be enabled on the embedded engine, as the refusal says it.</summary>
    public const string EmbeddedRule =
        "must be false on the embedded engine: chDB has no access management (no roles, users or row policies). " +
        "BI tools reach the embedded engine through the service's SQL endpoint with API keys of scope bi (docs/bi-access.md)";

    protected override void Check(OptionRanges ranges, ClickHouseOptions options)
    {
        var access = options.BiAccess;
        ranges
            .Check(!(access.Enabled && options.UsesEmbeddedEngine), "BiAccess:Enabled", EmbeddedRule)
            .Check(SchemaNames.IsIdentifier(access.ReaderRole), "BiAccess:ReaderRole", SchemaNames.IdentifierRule)
            .Check(SchemaNames.IsIdentifier(access.AnalystRole), "BiAccess:AnalystRole", SchemaNames.IdentifierRule)
            .Check(access.AnalystRole != access.ReaderRole, "BiAccess:AnalystRole", "must differ from BiAccess:ReaderRole")
            .Check(SchemaNames.IsIdentifier(access.Profile), "BiAccess:Profile", SchemaNames.IdentifierRule)
            .Check(SchemaNames.IsIdentifier(access.NoShopsPolicy), "BiAccess:NoShopsPolicy", SchemaNames.IdentifierRule)
            .Check(SchemaNames.IsIdentifier(access.AllShopsPolicy), "BiAccess:AllShopsPolicy", SchemaNames.IdentifierRule)
            .Check(access.AllShopsPolicy != access.NoShopsPolicy, "BiAccess:AllShopsPolicy", "must differ from BiAccess:NoShopsPolicy")
            .Duration("BiAccess:MaxExecutionTime", access.MaxExecutionTime, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1))
            .Check(access.MaxExecutionTime.Ticks % TimeSpan.TicksPerSecond == 0, "BiAccess:MaxExecutionTime", "must be whole seconds");
        Long(ranges, "BiAccess:MaxResultRows", access.MaxResultRows, 1, 1_000_000_000);
        Long(ranges, "BiAccess:MaxResultBytes", access.MaxResultBytes, 1L << 20, 16L << 30);
        Long(ranges, "BiAccess:MaxMemoryUsage", access.MaxMemoryUsage, 64L << 20, 64L << 30);
    }

    private static void Long(OptionRanges ranges, string key, long value, long minimum, long maximum) =>
        ranges.Check(value >= minimum && value <= maximum, key, string.Create(CultureInfo.InvariantCulture, $"must be {minimum} to {maximum}, got {value}"));
}
