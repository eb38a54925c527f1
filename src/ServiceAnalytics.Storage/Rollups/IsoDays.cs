using System.Globalization;

namespace ServiceAnalytics.Storage.Rollups;

/// <summary>Local days as the rollup's SQL takes them (<c>String</c> parameters read with <c>toDate</c>) and returns them (<c>toString</c>).</summary>
internal static class IsoDays
{
    /// <summary><paramref name="day"/> as <c>yyyy-MM-dd</c>.</summary>
    public static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The day a <c>yyyy-MM-dd</c> text names.</summary>
    public static DateOnly Day(string text) => DateOnly.Parse(text, CultureInfo.InvariantCulture);
}
