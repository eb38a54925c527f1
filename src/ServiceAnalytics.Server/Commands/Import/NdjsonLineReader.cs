using System.Buffers;
using System.Runtime.CompilerServices;

namespace ServiceAnalytics.Server.Commands.Import;

/// <summary>One line of the input: its 1-based number and where its bytes are in <see cref="LineChunk.Data"/>.</summary>
/// <param name="Length">The line's length without its line break; <see cref="LineChunk.TooLong"/> when over the limit (its bytes are not kept).</param>
public readonly record struct InputLine(long Number, int Start, int Length);

/// <summary>
/// A run of consecutive non-blank lines read from the input, and the position just after the last of them:
/// importing it completely is what lets a state file say "resume at <see cref="EndOffset"/>".
/// </summary>
public sealed class LineChunk(ReadOnlyMemory<byte> data, IReadOnlyList<InputLine> lines, long endOffset, long endLine)
{
    /// <summary>Marks a line longer than the reader's limit, skipped to its end and rejected.</summary>
    public const int TooLong = -1;

    /// <summary>The lines' bytes, one after the other, without their line breaks.</summary>
    public ReadOnlyMemory<byte> Data { get; } = data;

    public IReadOnlyList<InputLine> Lines { get; } = lines;

    /// <summary>Byte offset in the input just after this chunk (after the last line's break, and any blank lines before it).</summary>
    public long EndOffset { get; } = endOffset;

    /// <summary>The number of the last line this chunk covers (blank lines included).</summary>
    public long EndLine { get; } = endLine;

    public ReadOnlySpan<byte> Bytes(InputLine line) => Data.Span.Slice(line.Start, line.Length);
}

/// <summary>
/// Splits NDJSON input into chunks of lines with their numbers and byte offsets, so a run can be resumed from the
/// offset after the last chunk it completed. Lines end with LF (a CR before it is dropped); a UTF-8 byte order mark at
/// the start of the input is skipped; blank lines are skipped (NDJSON writers leave a last empty line); a last line
/// without a line break is a line, but the position after it is not recorded (a producer may still be writing it). A line longer than <c>maxLineBytes</c> is not kept: it is returned as
/// <see cref="LineChunk.TooLong"/> so the importer rejects it without holding it in memory.
/// </summary>
public sealed class NdjsonLineReader
{
    private static readonly byte[] s_byteOrderMark = [0xEF, 0xBB, 0xBF];

    private readonly Stream _input;
    private readonly int _maxLineBytes;
    private readonly byte[] _buffer;
    private long _offset;
    private long _line;

    // The unread bytes are _buffer[_start.._end].
    private int _start;
    private int _end;
    private bool _endOfInput;
    private bool _atStart;

    // A line over the limit is being skipped: its bytes are counted, not kept; it began at _longLineStart.
    private bool _skippingLongLine;
    private long _longLineStart;

    /// <param name="input">The input, positioned at <paramref name="startOffset"/>.</param>
    /// <param name="startOffset">The byte offset the input is at (0, or a resumed run's).</param>
    /// <param name="linesBefore">Lines before <paramref name="startOffset"/> (the first line read is this + 1).</param>
    /// <param name="maxLineBytes">The longest line kept.</param>
    public NdjsonLineReader(Stream input, long startOffset, long linesBefore, int maxLineBytes)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 1);
        _input = input;
        _offset = startOffset;
        _line = linesBefore;
        _maxLineBytes = maxLineBytes;
        _buffer = new byte[Math.Max(64 * 1024, _maxLineBytes + 1)];
        _atStart = startOffset == 0;
    }

    /// <summary>Chunks of up to <paramref name="linesPerChunk"/> non-blank lines, in input order.</summary>
    public async IAsyncEnumerable<LineChunk> ReadChunksAsync(int linesPerChunk, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(linesPerChunk, 1);
        var data = new ArrayBufferWriter<byte>();
        var lines = new List<InputLine>(linesPerChunk);
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline < 0 && !_endOfInput)
            {
                await ReadMoreAsync(cancellationToken);
                continue;
            }

            if (newline < 0 && _start == _end && !_skippingLongLine)
            {
                break;
            }

            TakeLine(newline, data, lines);
            if (lines.Count == linesPerChunk)
            {
                yield return new LineChunk(data.WrittenMemory, lines, _offset, _line);
                data = new ArrayBufferWriter<byte>();
                lines = new List<InputLine>(linesPerChunk);
            }
        }

        if (lines.Count > 0)
        {
            yield return new LineChunk(data.WrittenMemory, lines, _offset, _line);
        }
    }

    /// <summary>Reads more input after the unread bytes (none kept of a line over the limit), skipping a leading byte order mark.</summary>
    private async Task ReadMoreAsync(CancellationToken cancellationToken)
    {
        if (_skippingLongLine || _end - _start > _maxLineBytes)
        {
            // The line is over the limit: count its bytes, keep none of them, and look for its end.
            _longLineStart = _skippingLongLine ? _longLineStart : _offset;
            _offset += _end - _start;
            _skippingLongLine = true;
            _start = _end = 0;
        }
        else if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        var read = await _input.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        _endOfInput = read == 0;
        _end += read;
        if (_atStart && _end >= 3 && _buffer.AsSpan(0, 3).SequenceEqual(s_byteOrderMark))
        {
            _start = 3;
            _offset = 3;
        }

        _atStart = false;
    }

    /// <summary>
    /// Takes the line that ends at <paramref name="newline"/> (relative to the unread bytes), or the rest of the input at
    /// its end when there is no break, into <paramref name="data"/> and <paramref name="lines"/> unless it is blank.
    /// </summary>
    private void TakeLine(int newline, ArrayBufferWriter<byte> data, List<InputLine> lines)
    {
        // A last line without a break may be one a producer is still writing: it is imported, but the position stays
        // before it, so a resumed run reads it again, whole by then (a fact sent twice is stored once).
        var length = newline < 0 ? _end - _start : newline;
        var lineNumber = _line + 1;
        if (newline >= 0)
        {
            _offset += length + 1;
            _line++;
        }
        else if (_skippingLongLine)
        {
            _offset = _longLineStart;
        }

        if (_skippingLongLine)
        {
            lines.Add(new InputLine(lineNumber, 0, LineChunk.TooLong));
            _skippingLongLine = false;
        }
        else
        {
            var text = _buffer.AsSpan(_start, length);
            if (text is [.., (byte)'\r'])
            {
                text = text[..^1];
            }

            if (text.Length > _maxLineBytes)
            {
                lines.Add(new InputLine(lineNumber, 0, LineChunk.TooLong));
            }
            else if (!IsBlank(text))
            {
                lines.Add(new InputLine(lineNumber, data.WrittenCount, text.Length));
                data.Write(text);
            }
        }

        _start += length + (newline < 0 ? 0 : 1);
    }

    private static bool IsBlank(ReadOnlySpan<byte> text) => text.IndexOfAnyExcept((byte)' ', (byte)'\t', (byte)'\r') < 0;
}
