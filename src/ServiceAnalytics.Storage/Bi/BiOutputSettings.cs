namespace ServiceAnalytics.Storage.Bi;

/// <summary>
/// The settings a BI caller's URL may carry: only those that shape the output (how JSON quotes 64-bit integers, how
/// date-times print, a CSV delimiter…) and the two ClickHouse.Driver always sends. Every other setting is refused
/// as a read-only server refuses a limit being lifted: limits, <c>readonly</c> and the scope filters are the
/// service's.
/// </summary>
public static class BiOutputSettings
{
    /// <summary>Settings allowed by exact name.</summary>
    public static IReadOnlySet<string> Names { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "output_format_binary_write_json_as_string", "input_format_binary_read_json_as_string", "date_time_output_format",
        "output_format_decimal_trailing_zeros", "output_format_write_statistics", "output_format_native_encode_types_in_binary_format",
        "output_format_native_write_json_as_string", "output_format_binary_encode_types_in_binary_format", "format_csv_delimiter",
        "format_csv_allow_single_quotes", "format_csv_allow_double_quotes", "format_tsv_null_representation", "format_csv_null_representation",
        "output_format_arrow_string_as_string", "output_format_arrow_low_cardinality_as_dictionary", "extremes",
    };

    /// <summary>Families allowed by prefix: the output options of one format each.</summary>
    public static IReadOnlyList<string> Prefixes { get; } =
        ["output_format_json_", "output_format_pretty_", "output_format_csv_", "output_format_tsv_", "output_format_parquet_"];

    /// <summary>Throws the readonly server's error for the first setting not allowed.</summary>
    public static void Check(IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var name in settings.Keys)
        {
            if (!Names.Contains(name) && !Prefixes.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal)))
            {
                throw BiSqlException.Of(164, "READONLY", $"Cannot modify '{name}' setting in readonly mode: the SQL endpoint lets a caller set only output-format settings");
            }
        }
    }
}
