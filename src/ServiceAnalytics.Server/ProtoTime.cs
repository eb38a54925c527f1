using System.Globalization;
using Google.Protobuf.WellKnownTypes;

namespace ServiceAnalytics.Server;

/// <summary>Instants and days as the protos carry them.</summary>
internal static class ProtoTime
{
    /// <summary>
    /// A stored instant as a <see cref="Timestamp"/>: the store's <c>DateTime</c>s are UTC but come back with an
    /// unspecified kind, which <see cref="Timestamp.FromDateTime"/> refuses.
    /// </summary>
    public static Timestamp Utc(DateTime instant) => Timestamp.FromDateTime(DateTime.SpecifyKind(instant, DateTimeKind.Utc));

    /// <summary>A day as the protos' <c>YYYY-MM-DD</c> text.</summary>
    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
