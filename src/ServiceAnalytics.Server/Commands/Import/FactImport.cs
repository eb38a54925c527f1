using System.IO.Hashing;
using System.Text;
using Google.Protobuf;
using ServiceAnalytics.Contracts.Ingest.V1;

namespace ServiceAnalytics.Server.Commands.Import;

/// <summary>What an import run did: lines read, facts accepted (of which repeated within the run), lines rejected.</summary>
public sealed record ImportCounts(long Lines, long Accepted, long Duplicates, long Rejected, long Malformed, bool DuplicatesOfFirstOnly = false);

/// <summary>How a run ended: every line read, interrupted (cancelled), or stopped by a failure.</summary>
public enum ImportEnd
{
    Finished,
    Interrupted,
    Failed,
}

/// <summary>An import run's counts, how it ended, and for a failure why.</summary>
public sealed record ImportResult(ImportCounts Counts, ImportEnd End, string? Failure);

/// <summary>
/// Imports chunks of NDJSON lines through a <see cref="IFactSink"/>: each chunk is parsed (the proto3 JSON mapping as
/// Google.Protobuf's <see cref="JsonParser"/> reads it, unknown fields refused; <see cref="FastFactJson"/> first) and
/// sent as one batch; up to <c>inFlight</c> chunks are parsed and ingested at once (parsing spreads over the cores;
/// the ingestion pipeline gathers the batches into large inserts), and their outcomes are completed in input order: rejections written,
/// then <c>completed</c> (which records the position), so the recorded position never passes a batch that was not
/// acknowledged. A failure or a cancellation stops reading; batches after the first that did not complete are not
/// recorded (a re-run sends them again, and event ids make that harmless).
/// </summary>
public sealed class FactImport
{
    /// <summary>The longest line read (a fact is a few hundred bytes; its largest legal form, tags and ids at their limits, a few KiB).</summary>
    public const int MaxLineBytes = 1024 * 1024;

    private static readonly JsonParser s_parser = new(JsonParser.Settings.Default);
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly IFactSink _sink;
    private readonly RejectsFile _rejects;
    private readonly Func<LineChunk, CancellationToken, Task> _completed;
    private readonly int _inFlight;

    /// <summary>How many accepted facts are remembered to count repeats: about 50 MiB, whatever the input's length.</summary>
    public const int MaxRememberedFacts = 2_000_000;

    /// <summary>
    /// The (shop, event id) hashes accepted in this run, up to <see cref="MaxRememberedFacts"/>, to count the lines that
    /// repeat an earlier line's fact (stored once): past that, repeats of the first ones only are counted, and the summary says so.
    /// </summary>
    private readonly HashSet<ulong> _accepted = [];
    private long _lines, _acceptedCount, _duplicates, _rejected, _malformed;

    /// <param name="completed">Called, in input order, once a chunk is acknowledged and its rejections are written.</param>
    public FactImport(IFactSink sink, RejectsFile rejects, Func<LineChunk, CancellationToken, Task> completed, int inFlight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFlight, 1);
        _sink = sink;
        _rejects = rejects;
        _completed = completed;
        _inFlight = inFlight;
    }

    public async Task<ImportResult> RunAsync(IAsyncEnumerable<LineChunk> chunks, ProgressCounter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentNullException.ThrowIfNull(progress);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = new Queue<Task<ChunkOutcome>>();
        string? failure = null;
        try
        {
            await foreach (var chunk in chunks.WithCancellation(stop.Token))
            {
                running.Enqueue(Task.Run(() => ImportChunkAsync(chunk, stop.Token), CancellationToken.None));
                if (running.Count >= _inFlight)
                {
                    await CompleteAsync(await running.Dequeue(), progress, stop.Token);
                }
            }

            while (running.TryDequeue(out var next))
            {
                await CompleteAsync(await next, progress, stop.Token);
            }
        }
        catch (CommandFailedException error)
        {
            failure = error.Message;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Interrupted: what completed is recorded, the rest is sent again by the next run.
        }
        finally
        {
            await stop.CancelAsync();
            // The batches still running were sent after one that did not complete: wait for them (a store keeps a
            // batch it has queued) but record none.
            await ((Task)Task.WhenAll(running)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        var end = failure is not null ? ImportEnd.Failed : cancellationToken.IsCancellationRequested ? ImportEnd.Interrupted : ImportEnd.Finished;
        return new ImportResult(new ImportCounts(_lines, _acceptedCount, _duplicates, _rejected, _malformed, _accepted.Count >= MaxRememberedFacts), end, failure);
    }

    /// <summary>Parses the chunk's lines and ingests the facts among them as one batch.</summary>
    private async Task<ChunkOutcome> ImportChunkAsync(LineChunk chunk, CancellationToken cancellationToken)
    {
        var facts = new List<Fact>(chunk.Lines.Count);
        var factLines = new List<InputLine>(chunk.Lines.Count);
        var malformed = new List<RejectedLine>();
        foreach (var line in chunk.Lines)
        {
            var (fact, rejected) = Parse(chunk, line);
            if (fact is not null)
            {
                facts.Add(fact);
                factLines.Add(line);
            }
            else
            {
                malformed.Add(rejected!);
            }
        }

        var outcome = facts.Count > 0 ? await _sink.IngestAsync(facts, cancellationToken) : new IngestOutcome();
        var keys = facts.Select(f => Key(f.ShopId, f.EventId)).ToArray();
        return new ChunkOutcome(chunk, factLines, keys, malformed, outcome);
    }

    /// <summary>The line's fact, or why the line is not one.</summary>
    private static (Fact? Fact, RejectedLine? Rejected) Parse(LineChunk chunk, InputLine line)
    {
        if (line.Length == LineChunk.TooLong)
        {
            return (null, new RejectedLine(line.Number, null, $"the line is longer than {MaxLineBytes:N0} bytes", null, null));
        }

        var bytes = chunk.Bytes(line);
        if (FastFactJson.TryParse<Fact>(bytes) is { } fact)
        {
            return (fact, null);
        }

        try
        {
            return (s_parser.Parse<Fact>(s_strictUtf8.GetString(bytes)), null);
        }
        catch (DecoderFallbackException)
        {
            return (null, new RejectedLine(line.Number, null, "the line is not valid UTF-8", null, Encoding.UTF8.GetString(bytes)));
        }
        catch (Exception error) when (error is InvalidProtocolBufferException or InvalidJsonException or FormatException or ArgumentException)
        {
            return (null, new RejectedLine(line.Number, null, $"not a Fact in the proto3 JSON mapping: {error.Message}", null, Encoding.UTF8.GetString(bytes)));
        }
    }

    /// <summary>Writes a chunk's rejections in line order, counts it, and lets the caller record the position after it.</summary>
    private async Task CompleteAsync(ChunkOutcome done, ProgressCounter progress, CancellationToken cancellationToken)
    {
        var rejectedIndexes = new HashSet<int>();
        var rejected = new List<RejectedLine>(done.Malformed);
        foreach (var fact in done.Outcome.Rejected)
        {
            var line = done.FactLines[fact.Index];
            rejectedIndexes.Add(fact.Index);
            rejected.Add(new RejectedLine(line.Number, fact.Field, fact.Reason, fact.EventId, Encoding.UTF8.GetString(done.Chunk.Bytes(line))));
        }

        for (var index = 0; index < done.Keys.Length; index++)
        {
            if (rejectedIndexes.Contains(index))
            {
                continue;
            }

            if (_accepted.Count < MaxRememberedFacts ? !_accepted.Add(done.Keys[index]) : _accepted.Contains(done.Keys[index]))
            {
                _duplicates++;
            }
        }

        await _rejects.WriteAsync(rejected.OrderBy(r => r.Line), cancellationToken);
        _lines += done.Chunk.Lines.Count;
        _acceptedCount += done.Outcome.AcceptedCount;
        _rejected += rejected.Count;
        _malformed += done.Malformed.Count;
        await _completed(done.Chunk, cancellationToken);
        progress.Add(done.Chunk.Lines.Count);
    }

    /// <summary>A 64-bit hash of (shop, event id): the identity a fact is stored under, at 8 bytes per fact.</summary>
    private static ulong Key(string shop, string eventId)
    {
        var hash = new XxHash3();
        hash.Append(Encoding.UTF8.GetBytes(shop));
        hash.Append([0]);
        hash.Append(Encoding.UTF8.GetBytes(eventId));
        return hash.GetCurrentHashAsUInt64();
    }

    private sealed record ChunkOutcome(LineChunk Chunk, List<InputLine> FactLines, ulong[] Keys, List<RejectedLine> Malformed, IngestOutcome Outcome);
}
