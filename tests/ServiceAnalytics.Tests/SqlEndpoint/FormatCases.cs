namespace ServiceAnalytics.Tests.SqlEndpoint;

/// <summary>
/// The formats BI drivers read, each with the bytes ClickHouse writes for <see cref="Statement"/>: two rows,
/// (1, 's1') and (2, 's2'), of a <c>UInt8</c> column <c>n</c> and a <c>String</c> column <c>s</c>. Written out by hand
/// from each format's definition.
/// </summary>
internal static class FormatCases
{
    public const string Statement = "SELECT arrayJoin([1, 2]) AS n, concat('s', toString(n)) AS s";

    public static TheoryData<string> Formats => ["JSON", "JSONEachRow", "TabSeparatedWithNamesAndTypes", "CSVWithNames", "RowBinaryWithNamesAndTypes"];

    /// <summary>The <c>Content-Type</c> a server sends with each format.</summary>
    public static string ContentType(string format) => format switch
    {
        "JSON" or "JSONEachRow" => "application/json; charset=UTF-8",
        "TabSeparatedWithNamesAndTypes" => "text/tab-separated-values; charset=UTF-8",
        "CSVWithNames" => "text/csv; charset=UTF-8; header=present",
        _ => "application/octet-stream",
    };

    /// <summary>Asserts <paramref name="body"/> is the two rows in <paramref name="format"/>.</summary>
    public static void AssertRows(string format, byte[] body)
    {
        switch (format)
        {
            case "JSON":
                // The statistics (elapsed time, bytes read) vary; meta, data and rows do not.
                using (var json = JsonDocument.Parse(body))
                {
                    var root = json.RootElement;
                    Assert.Equal("""[{"name":"n","type":"UInt8"},{"name":"s","type":"String"}]""", JsonSerializer.Serialize(root.GetProperty("meta")));
                    Assert.Equal("""[{"n":1,"s":"s1"},{"n":2,"s":"s2"}]""", JsonSerializer.Serialize(root.GetProperty("data")));
                    Assert.Equal(2, root.GetProperty("rows").GetInt32());
                }

                break;
            case "JSONEachRow":
                Assert.Equal("{\"n\":1,\"s\":\"s1\"}\n{\"n\":2,\"s\":\"s2\"}\n", Encoding.UTF8.GetString(body));
                break;
            case "TabSeparatedWithNamesAndTypes":
                Assert.Equal("n\ts\nUInt8\tString\n1\ts1\n2\ts2\n", Encoding.UTF8.GetString(body));
                break;
            case "CSVWithNames":
                Assert.Equal("\"n\",\"s\"\n1,\"s1\"\n2,\"s2\"\n", Encoding.UTF8.GetString(body));
                break;
            default:
                // Column count (LEB128), names and types as length-prefixed strings, then each row: UInt8, String.
                byte[] expected = [2, 1, .. "n"u8, 1, .. "s"u8, 5, .. "UInt8"u8, 6, .. "String"u8, 1, 2, .. "s1"u8, 2, 2, .. "s2"u8];
                Assert.Equal(expected, body);
                break;
        }
    }
}
