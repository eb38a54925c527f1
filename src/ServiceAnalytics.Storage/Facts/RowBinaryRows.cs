using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace ServiceAnalytics.Storage.Facts;

/// <summary>
/// Rows of one table encoded in ClickHouse's RowBinary format as they are added, so a batch waiting to be written
/// is a compact byte buffer rather than a graph of objects. The bytes live in pooled 64 KiB segments: nothing is
/// copied when buffers grow or when batches are gathered into one insert (segments change hands), and nothing
/// lands on the large object heap. Values must be written in the table's column order (<see cref="FactTables"/>).
/// Dispose to return the segments to the pool.
/// </summary>
public sealed class RowBinaryRows : IDisposable
{
    private const int SegmentBytes = 64 * 1024;
    private readonly List<ArraySegment<byte>> _filled = [];
    private byte[]? _current;
    private int _position;

    /// <summary>Completed rows.</summary>
    public int RowCount { get; private set; }

    /// <summary>Encoded bytes.</summary>
    public long Length => _filled.Sum(s => (long)s.Count) + _position;

    /// <summary>Marks the end of a row.</summary>
    public void EndRow() => RowCount++;

    /// <summary>String or LowCardinality(String): length as VarUInt, then UTF-8 bytes.</summary>
    public RowBinaryRows String(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var length = Encoding.UTF8.GetByteCount(value);
        VarUInt((ulong)length);
        Encoding.UTF8.GetBytes(value, Reserve(length));
        _position += length;
        return this;
    }

    /// <summary>Array(String).</summary>
    public RowBinaryRows Strings(IReadOnlyCollection<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        VarUInt((ulong)values.Count);
        foreach (var value in values)
        {
            String(value);
        }

        return this;
    }

    /// <summary>DateTime64(3, 'UTC'): milliseconds since the Unix epoch, Int64.</summary>
    public RowBinaryRows Timestamp(DateTime utc) => Int64((utc.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond);

    /// <summary>Date32: days since 1970-01-01, Int32.</summary>
    public RowBinaryRows Date32(DateOnly day)
    {
        BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), day.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber);
        _position += 4;
        return this;
    }

    public RowBinaryRows Bool(bool value) => UInt8(value ? (byte)1 : (byte)0);

    public RowBinaryRows UInt8(byte value)
    {
        Reserve(1)[0] = value;
        _position++;
        return this;
    }

    public RowBinaryRows UInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), value);
        _position += 2;
        return this;
    }

    public RowBinaryRows Int64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);
        _position += 8;
        return this;
    }

    /// <summary>Array(Tuple(…)): the element count, then each element written by <paramref name="writeElement"/>.</summary>
    public RowBinaryRows Array<T>(IReadOnlyCollection<T> items, Action<RowBinaryRows, T> writeElement)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(writeElement);
        VarUInt((ulong)items.Count);
        foreach (var item in items)
        {
            writeElement(this, item);
        }

        return this;
    }

    /// <summary>Takes over another buffer's rows (same table); <paramref name="other"/> is left empty.</summary>
    public void MoveFrom(RowBinaryRows other)
    {
        ArgumentNullException.ThrowIfNull(other);
        other.Seal();
        if (other.Length <= SegmentBytes / 4)
        {
            // A small batch is copied, so gathering many small batches does not hold a mostly empty segment each.
            foreach (var segment in other._filled)
            {
                segment.AsSpan().CopyTo(Reserve(segment.Count));
                _position += segment.Count;
            }

            RowCount += other.RowCount;
            other.Dispose();
            return;
        }

        Seal();
        _filled.AddRange(other._filled);
        RowCount += other.RowCount;
        other._filled.Clear();
        other.RowCount = 0;
    }

    /// <summary>
    /// Appends <paramref name="rowCount"/> rows already encoded for the same table (as <see cref="OpenRead"/> gives
    /// them): how journaled rows come back.
    /// </summary>
    public void AppendEncoded(ReadOnlySpan<byte> encoded, int rowCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        while (!encoded.IsEmpty)
        {
            var chunk = encoded[..Math.Min(encoded.Length, SegmentBytes)];
            chunk.CopyTo(Reserve(chunk.Length));
            _position += chunk.Length;
            encoded = encoded[chunk.Length..];
        }

        RowCount += rowCount;
    }

    /// <summary>A stream over the encoded bytes, for the INSERT body. Valid until this buffer is disposed or changed.</summary>
    public Stream OpenRead()
    {
        Seal();
        return new SegmentStream(_filled);
    }

    public void Dispose()
    {
        Seal();
        foreach (var segment in _filled)
        {
            ArrayPool<byte>.Shared.Return(segment.Array!);
        }

        _filled.Clear();
        RowCount = 0;
    }

    private Span<byte> Reserve(int bytes)
    {
        if (_current is null || _current.Length - _position < bytes)
        {
            Seal();
            _current = ArrayPool<byte>.Shared.Rent(Math.Max(SegmentBytes, bytes));
            _position = 0;
        }

        return _current.AsSpan(_position);
    }

    /// <summary>Moves the segment being written into the filled list.</summary>
    private void Seal()
    {
        if (_current is not null)
        {
            _filled.Add(new ArraySegment<byte>(_current, 0, _position));
            _current = null;
            _position = 0;
        }
    }

    private void VarUInt(ulong value)
    {
        var span = Reserve(10);
        var written = 0;
        while (value >= 0x80)
        {
            span[written++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[written++] = (byte)value;
        _position += written;
    }

    /// <summary>Reads a list of segments front to back.</summary>
    private sealed class SegmentStream(List<ArraySegment<byte>> segments) : Stream
    {
        private int _segment;
        private int _offset;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var copied = 0;
            while (copied < buffer.Length && _segment < segments.Count)
            {
                var source = segments[_segment].AsSpan(_offset);
                var take = Math.Min(source.Length, buffer.Length - copied);
                source[..take].CopyTo(buffer[copied..]);
                copied += take;
                _offset += take;
                if (_offset == segments[_segment].Count)
                {
                    _segment++;
                    _offset = 0;
                }
            }

            return copied;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
