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
    private static Stream Compress(Stream body, string encoding, int zlibLevel) => encoding switch
    {
        "gzip" => new GZipStream(body, new ZLibCompressionOptions { CompressionLevel = zlibLevel }, leaveOpen: true),
        "deflate" => new ZLibStream(body, new ZLibCompressionOptions { CompressionLevel = zlibLevel }, leaveOpen: true),
        "br" => new BrotliStream(body, CompressionLevel.Fastest, leaveOpen: true),
        "zstd" => ZstdCompressor.Default.Compress(body, leaveOpen: true),
        "lz4" => Lz4Compressor.Default.Compress(body, leaveOpen: true),
        _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "Not an encoding the endpoint offers."),
    };

    /// <summary>
    /// Writes a response body compressed with one encoding. The compressors write synchronously (the driver's zstd and
    /// lz4 streams even when disposed asynchronously), which Kestrel forbids; so each chunk is compressed into memory
    /// and what it produced is sent asynchronously before the next: at most one chunk's output is held.
    /// </summary>
    public sealed class CompressingWriter(Stream body, string encoding, int zlibLevel) : IAsyncDisposable
    {
        private readonly MemoryStream _compressed = new();
        private Stream? _compressor;

        public async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            _compressor ??= Compress(_compressed, encoding, zlibLevel);
            _compressor.Write(data.Span);
            await SendAsync(cancellationToken);
        }

        /// <summary>Ends the compressed stream (its last frame) and sends it.</summary>
        public async Task CompleteAsync(CancellationToken cancellationToken)
        {
            _compressor ??= Compress(_compressed, encoding, zlibLevel);
            await _compressor.DisposeAsync();
            await SendAsync(cancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            if (_compressor is not null)
            {
                await _compressor.DisposeAsync();
            }

            await _compressed.DisposeAsync();
        }

        private async Task SendAsync(CancellationToken cancellationToken)
        {
            if (_compressed.Length > 0)
            {
                await body.WriteAsync(_compressed.GetBuffer().AsMemory(0, (int)_compressed.Length), cancellationToken);
                _compressed.SetLength(0);
            }
        }
    }
}
