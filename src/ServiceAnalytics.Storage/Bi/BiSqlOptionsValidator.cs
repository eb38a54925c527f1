namespace ServiceAnalytics.Storage.Bi;

/// <summary>Checks <see cref="BiSqlOptions"/> when the service starts.</summary>
public sealed class BiSqlOptionsValidator() : RangeValidator<BiSqlOptions>(BiSqlOptions.SectionName)
{
    protected override void Check(OptionRanges ranges, BiSqlOptions options) => ranges
        .Int(nameof(options.MaxConnections), options.MaxConnections, 1, 64)
        .Int(nameof(options.MaxThreads), options.MaxThreads, 1, 64)
        .Duration(nameof(options.MaxExecutionTime), options.MaxExecutionTime, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1))
        .Check(options.MaxExecutionTime.Ticks % TimeSpan.TicksPerSecond == 0, nameof(options.MaxExecutionTime), "must be whole seconds")
        .Check(options.MaxResultRows is >= 1 and <= 1_000_000_000, nameof(options.MaxResultRows), $"must be 1 to 1000000000, got {options.MaxResultRows}")
        .Check(options.MaxResultBytes is >= 1L << 20 and <= 16L << 30, nameof(options.MaxResultBytes), $"must be 1048576 (1 MiB) to 17179869184 (16 GiB), got {options.MaxResultBytes}")
        .Check(options.MaxMemoryUsage is >= 64L << 20 and <= 64L << 30, nameof(options.MaxMemoryUsage), $"must be 67108864 (64 MiB) to 68719476736 (64 GiB), got {options.MaxMemoryUsage}")
        .Check(options.ServerUsername is null || options.ServerUsername.Length > 0, nameof(options.ServerUsername), "must be unset or a user name");
}
