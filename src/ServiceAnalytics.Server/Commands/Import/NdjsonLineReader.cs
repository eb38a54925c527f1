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
    private long _offset;
    private long _line;

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
    }

    /// <summary>Chunks of up to <paramref name="linesPerChunk"/> non-blank lines, in input order.</summary>
    public async IAsyncEnumerable<LineChunk> ReadChunksAsync(int linesPerChunk, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(linesPerChunk, 1);
        var buffer = new byte[Math.Max(64 * 1024, _maxLineBytes + 1)];
        int start = 0, end = 0;
        var skippingLongLine = false;
        long longLineStart = 0;
        var atStart = _offset == 0;
        var data = new ArrayBufferWriter<byte>();
        var lines = new List<InputLine>(linesPerChunk);
        var eof = false;
        while (true)
        {
            var newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (newline < 0 && !eof)
            {
                if (skippingLongLine || end - start > _maxLineBytes)
                {
                    // The line is over the limit: count its bytes, keep none of them, and look for its end.
                    longLineStart = skippingLongLine ? longLineStart : _offset;
                    _offset += end - start;
                    skippingLongLine = true;
                    start = end = 0;
                }
                else if (start > 0)
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    end -= start;
                    start = 0;
                }

                var read = await _input.ReadAsync(buffer.AsMemory(end), cancellationToken);
                eof = read == 0;
                end += read;
                if (atStart && end >= 3 && buffer.AsSpan(0, 3).SequenceEqual(s_byteOrderMark))
                {
                    start = 3;
                    _offset = 3;
                }

                atStart = false;
                continue;
            }

            if (newline < 0 && start == end && !skippingLongLine)
            {
                break;
            }

            // A whole line: up to the break, or the rest of the input at its end. A last line without a break may be one
            // a producer is still writing: it is imported, but the position stays before it, so a resumed run reads it
            // again, whole by then (a fact sent twice is stored once).
            var length = newline < 0 ? end - start : newline;
            var lineNumber = _line + 1;
            if (newline >= 0)
            {
                _offset += length + 1;
                _line++;
            }
            else if (skippingLongLine)
            {
                _offset = longLineStart;
            }

            if (skippingLongLine)
            {
                lines.Add(new InputLine(lineNumber, 0, LineChunk.TooLong));
                skippingLongLine = false;
            }
            else
            {
                var text = buffer.AsSpan(start, length);
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

            start += length + (newline < 0 ? 0 : 1);
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

    private static bool IsBlank(ReadOnlySpan<byte> text) => text.IndexOfAnyExcept((byte)' ', (byte)'\t', (byte)'\r') < 0;
}
