using System.Text;
using ServiceAnalytics.Server.Commands.Import;

namespace ServiceAnalytics.UnitTests.Server.Import;

public sealed class NdjsonLineReaderTests
{
    /// <summary>Every chunk's lines as (number, text), and each chunk's end offset and end line.</summary>
    private static async Task<(List<(long Number, string? Text)> Lines, List<(long Offset, long Line)> Ends)> ReadAsync(
        byte[] input, int linesPerChunk, long startOffset = 0, long linesBefore = 0, int maxLineBytes = 1000)
    {
        var stream = new MemoryStream(input) { Position = startOffset };
        var reader = new NdjsonLineReader(stream, startOffset, linesBefore, maxLineBytes);
        var lines = new List<(long, string?)>();
        var ends = new List<(long, long)>();
        await foreach (var chunk in reader.ReadChunksAsync(linesPerChunk, CancellationToken.None))
        {
            lines.AddRange(chunk.Lines.Select(l => (l.Number, l.Length == LineChunk.TooLong ? null : Encoding.UTF8.GetString(chunk.Bytes(l)))));
            ends.Add((chunk.EndOffset, chunk.EndLine));
        }

        return (lines, ends);
    }

    [Fact]
    public async Task Lines_carry_their_numbers_and_chunks_end_at_the_byte_after_their_last_line()
    {
        // A byte order mark, CRLF, blank lines (skipped, but numbered), and a last line without a break.
        var input = Encoding.UTF8.GetBytes("\uFEFF{\"a\":1}\r\n\n{\"b\":2}\n   \n{\"c\":3}\n{\"d\":4}");
        var (lines, ends) = await ReadAsync(input, linesPerChunk: 2);
        Assert.Equal([(1, "{\"a\":1}"), (3, "{\"b\":2}"), (5, "{\"c\":3}"), (6, "{\"d\":4}")], lines);
        // 3 (BOM) + 9 ({"a":1}\r\n) + 1 (\n) + 8 ({"b":2}\n): after line 3. Then + 4 (blank) + 8: after line 5, not
        // after the last line, which has no break (a producer may still be writing it: a resumed run reads it again).
        Assert.Equal([(21L, 3L), (input.Length - 7, 5L)], ends);
        Assert.Equal(40, input.Length);
    }

    [Fact]
    public async Task Reading_from_a_chunk_end_yields_exactly_the_lines_after_it()
    {
        var input = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(1, 50).Select(i => $"{{\"n\":{i}}}\n")));
        var (all, ends) = await ReadAsync(input, linesPerChunk: 7);
        Assert.Equal(50, all.Count);
        foreach (var (offset, line) in ends)
        {
            var (rest, _) = await ReadAsync(input, linesPerChunk: 3, offset, line);
            Assert.Equal(all.Where(l => l.Number > line), rest);
        }
    }

    [Fact]
    public async Task A_line_over_the_limit_is_returned_as_too_long_without_its_bytes_and_reading_goes_on()
    {
        // Longer than the reader's 64 KiB buffer too, so its bytes are skipped across reads.
        var input = Encoding.UTF8.GetBytes("{\"a\":1}\n" + new string('x', 100_000) + "\n{\"b\":2}\n" + new string('y', 1001) + "\n{\"c\":3}");
        var (lines, ends) = await ReadAsync(input, linesPerChunk: 100);
        Assert.Equal([(1, "{\"a\":1}"), (2, null), (3, "{\"b\":2}"), (4, null), (5, "{\"c\":3}")], lines);
        Assert.Equal([(input.Length - 7, 4L)], ends);
    }

    [Fact]
    public async Task A_last_line_being_written_is_read_again_whole_by_a_resumed_run()
    {
        // The producer has written half of line 2 (and, in the long case, more than the buffer of a line over the limit).
        foreach (var half in new[] { "{\"eventId\":\"e-2\",", new string('z', 70_000) })
        {
            var before = Encoding.UTF8.GetBytes("{\"a\":1}\n" + half);
            var (lines, ends) = await ReadAsync(before, linesPerChunk: 10, maxLineBytes: 100_000);
            Assert.Equal(2, lines.Count);
            Assert.Equal([(8L, 1L)], ends);

            var after = Encoding.UTF8.GetBytes("{\"a\":1}\n" + half + "\"rest\":true}\n");
            var (resumed, _) = await ReadAsync(after, linesPerChunk: 10, startOffset: 8, linesBefore: 1, maxLineBytes: 100_000);
            Assert.Equal([(2L, half + "\"rest\":true}")], resumed);
        }
    }

    [Fact]
    public async Task Empty_input_gives_no_chunk()
    {
        var (lines, ends) = await ReadAsync([], linesPerChunk: 10);
        Assert.Empty(lines);
        Assert.Empty(ends);
    }
}
