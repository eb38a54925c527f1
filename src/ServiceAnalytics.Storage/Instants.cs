namespace ServiceAnalytics.Storage;

/// <summary>Instants as the store keeps them.</summary>
public static class Instants
{
    /// <summary>
    /// <paramref name="instant"/> cut to whole milliseconds, as a <c>DateTime64(3)</c> column or parameter holds it: an
    /// instant reported to a caller or recorded is then exactly the one its SQL ran with.
    /// </summary>
    public static DateTime ToMilliseconds(DateTime instant) => instant.AddTicks(-(instant.Ticks % TimeSpan.TicksPerMillisecond));
}
