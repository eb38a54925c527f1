using System.Buffers.Binary;
using System.IO.Hashing;
using ServiceAnalytics.Storage.Facts;

namespace ServiceAnalytics.Server.Ingestion;

/// <summary>
/// The local, append-only journal that lets the service acknowledge a batch once its rows are on disk (fsync), before
/// ClickHouse commits them (docs/ingestion.md, "The journal"). One instance writes its own folder,
/// <c>{JournalPath}/{database}/{instance}/</c>, which holds a <c>lock</c> file kept open exclusively while the instance
/// runs and segment files <c>{n:D8}.log</c> of records: payload length (UInt32 LE), CRC-32 of the payload (UInt32 LE),
/// payload (<see cref="JournalRecord"/>). A segment is deleted once every batch in it is committed; the folder is
/// deleted when the instance stops with nothing left. Folders whose lock is free belong to an instance that stopped
/// before its batches were committed: <see cref="AdoptOrphans"/> takes their records over. A record cut short or
/// damaged (a crash during its write, before its fsync returned, so never acknowledged) ends its segment's reading.
/// </summary>
internal sealed class IngestionJournal : IDisposable
{
    /// <summary>A segment takes records until it holds this many bytes; then the next one starts.</summary>
    private const long SegmentBytes = 64L * 1024 * 1024;

    private const int HeaderBytes = 8;
    private const string LockFileName = "lock";

    private readonly string _databaseFolder;
    private readonly string _folder;
    private readonly FileStream _lock;
    private readonly object _gate = new();
    private readonly List<Segment> _segments = [];
    private readonly MemoryStream _payload = new();
    private long _nextSequence = 1;
    private int _nextSegmentNumber = 1;
    private FileStream? _active;
    private bool _disposed;

    private IngestionJournal(string databaseFolder)
    {
        _databaseFolder = databaseFolder;
        _folder = Path.Combine(databaseFolder, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        _lock = TryLock(_folder) ?? throw new IOException($"The new journal folder '{_folder}' is locked by another process.");
    }

    /// <summary>This instance's folder.</summary>
    public string Folder => _folder;

    /// <summary>Batches written but not released yet.</summary>
    public int Outstanding
    {
        get
        {
            lock (_gate)
            {
                return _segments.Sum(s => s.Outstanding);
            }
        }
    }

    /// <summary>Creates this instance's folder under <c>{root}/{database}</c> and locks it.</summary>
    public static IngestionJournal Open(string root, string database) => new(Path.Combine(Path.GetFullPath(root), database));

    /// <summary>
    /// Appends the batches, then fsyncs once (group commit: one disk flush for all of them), and returns each batch's
    /// sequence number, increasing. Only after this returns may the batches be acknowledged. After a failure the
    /// segment may end in a partial record, so the next append starts a new segment.
    /// </summary>
    public long[] Append(IReadOnlyList<FactBatch> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var sequences = new long[batches.Count];
        lock (_gate)
        {
            try
            {
                var segment = ActiveSegment();
                Span<byte> header = stackalloc byte[HeaderBytes];
                for (var i = 0; i < batches.Count; i++)
                {
                    _payload.SetLength(0);
                    JournalRecord.Write(batches[i], _payload);
                    var payload = _payload.GetBuffer().AsSpan(0, (int)_payload.Length);
                    BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)payload.Length);
                    BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Crc32.HashToUInt32(payload));
                    _active!.Write(header);
                    _active.Write(payload);
                    sequences[i] = _nextSequence++;
                }

                _active!.Flush(flushToDisk: true);
                segment.Outstanding += batches.Count;
                return sequences;
            }
            catch
            {
                CloseActive();
                throw;
            }
        }
    }

    /// <summary>The batches of <paramref name="sequences"/> are committed to ClickHouse: their segments may go.</summary>
    public void Release(IEnumerable<long> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        lock (_gate)
        {
            foreach (var sequence in sequences)
            {
                var segment = _segments.FindLast(s => s.FirstSequence <= sequence)
                    ?? throw new InvalidOperationException($"Journal sequence {sequence} was never appended.");
                segment.Outstanding--;
            }

            // The active segment goes too when it is done and full; else it keeps taking records.
            foreach (var done in _segments.Where(s => s.Outstanding == 0 && (s.Stream is null || s.Stream.Length >= SegmentBytes)).ToList())
            {
                if (done.Stream == _active)
                {
                    CloseActive();
                }

                done.Stream?.Dispose();
                File.Delete(done.Path);
                _segments.Remove(done);
            }
        }
    }

    /// <summary>
    /// Takes over the journals of instances that stopped with batches not committed (folders under this database
    /// whose lock is free): their intact records are appended to this journal (fsynced) before their folders are
    /// deleted, so a crash meanwhile loses nothing. Returns the batches with their new sequence numbers.
    /// </summary>
    public IReadOnlyList<(FactBatch Batch, long Sequence)> AdoptOrphans()
    {
        var adopted = new List<(FactBatch, long)>();
        foreach (var folder in Directory.EnumerateDirectories(_databaseFolder).Where(f => f != _folder).Order(StringComparer.Ordinal))
        {
            using (var orphanLock = TryLock(folder))
            {
                if (orphanLock is null)
                {
                    continue;
                }

                var batches = Directory.EnumerateFiles(folder, "*.log").Order(StringComparer.Ordinal).SelectMany(ReadRecords).ToList();
                if (batches.Count > 0)
                {
                    var sequences = Append(batches);
                    adopted.AddRange(batches.Zip(sequences));
                }

                // Deleted while still locked, so no other instance adopts the same records in between.
                Directory.Delete(folder, recursive: true);
            }
        }

        return adopted;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            // Idempotent: the container disposes the pipeline both as itself and as a hosted service.
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            var empty = _segments.All(s => s.Outstanding == 0);
            foreach (var segment in _segments)
            {
                segment.Stream?.Dispose();
            }

            _active = null;
            _lock.Dispose();
            if (empty)
            {
                Directory.Delete(_folder, recursive: true);
            }

            _payload.Dispose();
        }
    }

    private Segment ActiveSegment()
    {
        if (_active is not null && _active.Length < SegmentBytes)
        {
            return _segments[^1];
        }

        CloseActive();
        var path = Path.Combine(_folder, $"{_nextSegmentNumber++:D8}.log");
        _active = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 1 << 16);
        var segment = new Segment(path, _nextSequence) { Stream = _active };
        _segments.Add(segment);
        return segment;
    }

    /// <summary>Stops writing the active segment; it is deleted once its batches are released.</summary>
    private void CloseActive()
    {
        if (_active is null)
        {
            return;
        }

        var segment = _segments.Find(s => s.Stream == _active);
        _active.Dispose();
        _active = null;
        if (segment is not null)
        {
            segment.Stream = null;
            if (segment.Outstanding == 0)
            {
                File.Delete(segment.Path);
                _segments.Remove(segment);
            }
        }
    }

    /// <summary>The intact records of a segment, up to the first one cut short or damaged.</summary>
    private static IEnumerable<FactBatch> ReadRecords(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var position = 0;
        while (bytes.Length - position >= HeaderBytes)
        {
            var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(position));
            var checksum = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(position + 4));
            if (length > bytes.Length - position - HeaderBytes)
            {
                yield break;
            }

            var payload = bytes.AsMemory(position + HeaderBytes, (int)length);
            if (Crc32.HashToUInt32(payload.Span) != checksum)
            {
                yield break;
            }

            yield return JournalRecord.Read(payload);
            position += HeaderBytes + (int)length;
        }
    }

    /// <summary>The folder's lock file opened exclusively, or null while another instance holds it.</summary>
    private static FileStream? TryLock(string folder)
    {
        try
        {
            return new FileStream(Path.Combine(folder, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private sealed class Segment(string path, long firstSequence)
    {
        public string Path { get; } = path;

        public long FirstSequence { get; } = firstSequence;

        /// <summary>Batches of this segment not released yet.</summary>
        public int Outstanding { get; set; }

        /// <summary>Open while it is the active segment.</summary>
        public FileStream? Stream { get; set; }
    }
}
