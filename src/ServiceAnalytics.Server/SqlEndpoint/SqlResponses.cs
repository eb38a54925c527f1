using System.IO.Compression;
using ClickHouse.Driver.Compression;

namespace ServiceAnalytics.Server.SqlEndpoint;

/// <summary>How the SQL endpoint's answers are labelled and compressed, as a ClickHouse server does it.</summary>
internal static class SqlResponses
{
    /// <summary>
    /// The encodings a response may be compressed with, in ClickHouse's order of preference (the first the client's
    /// <c>Accept-Encoding</c> names wins, whatever its q-values, as on a server). ClickHouse's xz, bz2 and snappy are
    /// not offered: no client sends only those.
    /// </summary>
    private static readonly string[] s_encodings = ["gzip", "deflate", "zstd", "lz4", "br"];

    /// <summary>
    /// The <c>Content-Type</c> ClickHouse sends for an output format: JSON formats <c>application/json</c>, TSV
    /// <c>text/tab-separated-values</c>, CSV <c>text/csv</c> with whether a header is present, binary formats
    /// <c>application/octet-stream</c>, the rest <c>text/plain</c>.
    /// </summary>
    public static string ContentType(string format)
    {
        bool Is(string prefix) => format.StartsWith(prefix, StringComparison.OrdinalIgnoreCase);
        if (Is("JSON") || Is("PrettyJSON") || Is("NDJSON"))
        {
            return "application/json; charset=UTF-8";
        }

        if (Is("TabSeparated") || Is("TSV"))
        {
            return "text/tab-separated-values; charset=UTF-8";
        }

        if (Is("CSV"))
        {
            return "text/csv; charset=UTF-8; header=" + (format.Contains("WithNames", StringComparison.OrdinalIgnoreCase) ? "present" : "absent");
        }

        if (Is("XML"))
        {
            return "application/xml; charset=UTF-8";
        }

        string[] binary = ["RowBinary", "Native", "Parquet", "Arrow", "ORC", "Avro", "Protobuf", "MsgPack", "CapnProto", "BSON", "Npy"];
        return binary.Any(Is) ? "application/octet-stream" : "text/plain; charset=UTF-8";
    }

    /// <summary>The encoding to compress with for this <c>Accept-Encoding</c>, or null for none.</summary>
    public static string? ChooseEncoding(string acceptEncoding)
    {
        var offered = acceptEncoding.Split(',').Select(e => e.Split(';')[0].Trim()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return s_encodings.FirstOrDefault(offered.Contains);
    }

    /// <summary>
    /// A stream that compresses into <paramref name="body"/> (left open) with <paramref name="encoding"/>; gzip and
    /// deflate at <paramref name="zlibLevel"/> (ClickHouse's <c>http_zlib_compression_level</c>, 1 to 9).
    /// </summary>
    public static Stream Compress(Stream body, string encoding, int zlibLevel) => encoding switch
    {
        "gzip" => new GZipStream(body, new ZLibCompressionOptions { CompressionLevel = zlibLevel }, leaveOpen: true),
        "deflate" => new ZLibStream(body, new ZLibCompressionOptions { CompressionLevel = zlibLevel }, leaveOpen: true),
        "br" => new BrotliStream(body, CompressionLevel.Fastest, leaveOpen: true),
        "zstd" => ZstdCompressor.Default.Compress(body, leaveOpen: true),
        "lz4" => Lz4Compressor.Default.Compress(body, leaveOpen: true),
        _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "Not an encoding the endpoint offers."),
    };
}
