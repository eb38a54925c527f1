using System.IO.Compression;
using ClickHouse.Driver.Compression;

namespace ServiceAnalytics.EmbeddedClickHouse;

/// <summary>
/// The <c>Content-Encoding</c>s a ClickHouse server decodes in request bodies, and so the ones ClickHouse clients
/// send: gzip, deflate (zlib), br, zstd and lz4 (the driver's own compressors). Shared by the embedded handler and
/// the service's SQL endpoint, so both read exactly what a server reads.
/// </summary>
public static class RequestBodyEncodings
{
    /// <summary>
    /// <paramref name="raw"/> decoded per <paramref name="encoding"/> (none or <c>identity</c>: as is); an unknown
    /// encoding throws ClickHouse's 36 BAD_ARGUMENTS. A body that does not decode fails as it is read.
    /// </summary>
    public static Stream Decode(Stream raw, string? encoding) => encoding?.ToLowerInvariant() switch
    {
        null or "" or "identity" => raw,
        "zstd" => ZstdCompressor.Default.Decompress(raw, leaveOpen: false),
        "gzip" => new GZipStream(raw, CompressionMode.Decompress),
        "deflate" => new ZLibStream(raw, CompressionMode.Decompress),
        "br" => new BrotliStream(raw, CompressionMode.Decompress),
        "lz4" => Lz4Compressor.Default.Decompress(raw, leaveOpen: false),
        _ => throw new EmbeddedEngineException(
            36, $"Code: 36. DB::Exception: Unknown Content-Encoding '{encoding}'. (BAD_ARGUMENTS)"),
    };
}
