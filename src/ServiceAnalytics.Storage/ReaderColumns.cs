using System.Collections;
using System.Data.Common;
using System.Globalization;

namespace ServiceAnalytics.Storage;

/// <summary>
/// Reads a result row's values by column name (every selected column is aliased), converted to the C# type a
/// record holds: ClickHouse's integer and float widths vary with the expression, so numbers go through
/// <see cref="Convert"/>. Reading by name keeps a statement and its reader in step when a column is added.
/// </summary>
internal static class ReaderColumns
{
    public static long Long(this DbDataReader reader, string name) => Convert.ToInt64(reader[name], CultureInfo.InvariantCulture);

    public static int Int(this DbDataReader reader, string name) => Convert.ToInt32(reader[name], CultureInfo.InvariantCulture);

    public static double Double(this DbDataReader reader, string name) => Convert.ToDouble(reader[name], CultureInfo.InvariantCulture);

    /// <summary>The value as a double, or null when it is NULL.</summary>
    public static double? NullableDouble(this DbDataReader reader, string name) =>
        reader.IsDBNull(reader.GetOrdinal(name)) ? null : reader.Double(name);

    public static bool Bool(this DbDataReader reader, string name) => reader.GetBoolean(reader.GetOrdinal(name));

    public static string String(this DbDataReader reader, string name) => reader.GetString(reader.GetOrdinal(name));

    public static DateTime DateTime(this DbDataReader reader, string name) => reader.GetDateTime(reader.GetOrdinal(name));

    /// <summary>A local day selected as <c>toString(day)</c> (yyyy-MM-dd).</summary>
    public static DateOnly Day(this DbDataReader reader, string name) =>
        DateOnly.ParseExact(reader.String(name), "yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>An <c>Array(String)</c>.</summary>
    public static IReadOnlyList<string> Strings(this DbDataReader reader, string name) => ((IEnumerable<string>)reader[name]).ToList();

    /// <summary>An array of integers of any width.</summary>
    public static List<long> Longs(this DbDataReader reader, string name) =>
        ((IEnumerable)reader[name]).Cast<object>().Select(v => Convert.ToInt64(v, CultureInfo.InvariantCulture)).ToList();

    /// <summary>An <c>Array(Float64)</c>.</summary>
    public static double[] Doubles(this DbDataReader reader, string name) => (double[])reader[name];
}
