namespace ServiceAnalytics.Tests.Infrastructure;

/// <summary>Which ClickHouse a test runs against. Every test that takes a lane runs on both.</summary>
public enum ClickHouseLane
{
    /// <summary>The engine embedded in the test process; always available.</summary>
    Embedded,

    /// <summary>A ClickHouse server named by <see cref="TestEnvironment.ServerUrlVariable"/>; skipped when unset.</summary>
    Server,
}

public static class Lanes
{
    public static TheoryData<ClickHouseLane> All => [ClickHouseLane.Embedded, ClickHouseLane.Server];
}
