using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Contracts.Ingest.V1;
using ServiceAnalytics.Storage.Facts;
using ServiceAnalytics.Storage.Queries;

namespace ServiceAnalytics.Server.Ingestion;

/// <summary>A request that cannot be taken as a whole (not a problem of one fact).</summary>
public sealed class InvalidBatchException(string field, string reason) : Exception($"{field}: {reason}")
{
    public string Field { get; } = field;

    public string Reason { get; } = reason;
}

/// <summary>
/// Ingests one batch of facts with partial success: each invalid fact is rejected with its index, field and
/// reason; the valid rest is stored, and the call returns once it is committed, with the instant from which query
/// answers count it (<c>visible_as_of</c>). A fact repeated within the batch (same shop and event id) is stored once
/// and counted as accepted each time.
/// </summary>
public sealed class FactIngestor(
    FactValidator validator, IngestionPipeline pipeline, ChatQueries chats, IOptions<IngestionOptions> options, TimeProvider time, IngestionInstruments instruments)
{
    /// <summary>Tags of this process's batches not committed yet (the ingestor is one per process).</summary>
    private readonly PendingChatTags _pendingTags = new();

    public Task<IngestOutcome> IngestAsync(IReadOnlyList<Fact> facts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var limit = options.Value.MaxFactsPerBatch;
        if (facts.Count == 0 || facts.Count > limit)
        {
            // A faulted task, not a throw: a stream answers its batches in order, this one's error in its turn.
            return Task.FromException<IngestOutcome>(new InvalidBatchException("facts", $"a batch holds 1 to {limit} facts, this one has {facts.Count}"));
        }

        var takenAt = time.GetTimestamp();
        instruments.BatchTaken(facts.Count);
        var tagged = facts.Where(f => f.KindCase == Fact.KindOneofCase.ChatTagged).Select(f => (Shop: f.ShopId, Chat: f.ChatTagged.ChatId)).Distinct().ToList();
        if (tagged.Count > 0)
        {
            return IngestTaggingAsync(facts, tagged, takenAt, cancellationToken);
        }

        // Taken before anything is awaited, so the waiting below holds the encoded rows only, not the parsed facts: with
        // a stream's window and the queue full, thousands of facts per batch would otherwise live on until the commit
        // and be promoted through the GC's generations (measured: most of the service's managed time was GC).
        try
        {
            var (outcome, tally, rows) = Take(facts, tags: null);
            return AcknowledgeAsync(outcome, tally, rows, takenAt, cancellationToken);
        }
        catch (Exception error)
        {
            return Task.FromException<IngestOutcome>(error);
        }
    }

    private async Task<IngestOutcome> AcknowledgeAsync(IngestOutcome outcome, FactTally tally, FactBatch rows, long takenAt, CancellationToken cancellationToken)
    {
        outcome.VisibleAsOf = await Store(rows, cancellationToken).Acknowledged;
        instruments.Acknowledged(tally, time.GetElapsedTime(takenAt));
        return outcome;
    }

    private async Task<IngestOutcome> IngestTaggingAsync(IReadOnlyList<Fact> facts, List<(string Shop, string Chat)> tagged, long takenAt, CancellationToken cancellationToken)
    {
        // Read, check and mark pending under the chats' locks (PendingChatTags says why this keeps the limit).
        IngestOutcome tagging;
        FactTally tagTally;
        FactBatch taken;
        ChatTags tags;
        using (await _pendingTags.LockAsync(tagged, cancellationToken))
        {
            tags = await ChatTagsAsync(facts, tagged, cancellationToken);
            (tagging, tagTally, taken) = Take(facts, tags);
            _pendingTags.Add(tags.Added);
        }

        var storing = Store(taken, CancellationToken.None);
        _ = UnmarkWhenCommittedAsync(storing.Committed, tags.Added);
        tagging.VisibleAsOf = await storing.Acknowledged.WaitAsync(cancellationToken);
        instruments.Acknowledged(tagTally, time.GetElapsedTime(takenAt));
        return tagging;
    }

    /// <summary>
    /// Validates each fact (and the tag limit, when <paramref name="tags"/> are given) and encodes the valid ones,
    /// each (shop, event id) once. The tally is each fact's fate, counted once the batch is acknowledged (a batch the
    /// store refuses is not acknowledged, and its re-sending is counted then).
    /// </summary>
    private (IngestOutcome Outcome, FactTally Tally, FactBatch Rows) Take(IReadOnlyList<Fact> facts, ChatTags? tags)
    {
        var outcome = new IngestOutcome();
        var tally = new FactTally();
        var rows = new FactBatch();
        try
        {
            var seen = new HashSet<(string Shop, string Event)>();
            for (var index = 0; index < facts.Count; index++)
            {
                var fact = facts[index];
                if ((validator.Validate(fact) ?? TagLimit(fact, tags)) is { } violation)
                {
                    outcome.Rejected.Add(new RejectedFact { Index = index, EventId = fact.EventId, Field = violation.Field, Reason = violation.Reason });
                    tally.Rejected(fact.KindCase, violation.Rejection);
                    continue;
                }

                if (seen.Add((fact.ShopId, fact.EventId)))
                {
                    FactRows.Add(rows, fact);
                }

                outcome.AcceptedCount++;
                tally.Accepted(fact.KindCase);
            }
        }
        catch
        {
            rows.Dispose();
            throw;
        }

        return (outcome, tally, rows);
    }

    /// <summary>
    /// Stores the rows: the acknowledgement carries the instant answers include them from
    /// (<c>IngestOutcome.visible_as_of</c>); the commit is when the store holds them.
    /// </summary>
    private (Task<Timestamp> Acknowledged, Task Committed) Store(FactBatch rows, CancellationToken cancellationToken)
    {
        if (rows.RowCount > 0)
        {
            // The pipeline owns the rows from here on.
            var storing = pipeline.Store(rows, cancellationToken);
            return (ToTimestampAsync(storing.Acknowledged), storing.Committed);
        }

        // Nothing accepted, nothing to wait for: any answer from now on is as complete as this batch makes it.
        rows.Dispose();
        return (Task.FromResult(Timestamp.FromDateTime(time.GetUtcNow().UtcDateTime)), Task.CompletedTask);
    }

    private static async Task<Timestamp> ToTimestampAsync(Task<DateTime> instant) => Timestamp.FromDateTime(await instant);

    /// <summary>
    /// Ends the pending state of a batch's tags once the pipeline is done with the batch (committed or failed), not
    /// when its caller stops waiting or is acknowledged: a queued batch is written even if its caller goes away, and
    /// its tags must count for racing batches until the store holds them. The batch is stored without the caller's cancellation for the
    /// same reason; the caller reports its failure, if still waiting.
    /// </summary>
    private async Task UnmarkWhenCommittedAsync(Task stored, IReadOnlyDictionary<(string Shop, string Chat), HashSet<string>> added)
    {
        await stored.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _ = stored.Exception;
        await _pendingTags.RemoveAsync(added);
    }

    /// <summary>
    /// The tags of the chats this batch tags: stored (initial and added) and pending (other batches of this process
    /// that are not committed yet); the batch's own are added to both as it is taken.
    /// </summary>
    private async Task<ChatTags> ChatTagsAsync(IReadOnlyList<Fact> facts, List<(string Shop, string Chat)> tagged, CancellationToken cancellationToken)
    {
        var tags = new ChatTags();
        foreach (var shop in tagged.GroupBy(t => t.Shop))
        {
            var stored = await chats.ReadStoredChatTagsAsync(shop.Key, [.. shop.Select(t => t.Chat)], cancellationToken);
            foreach (var (_, chat) in shop)
            {
                var known = stored.GetValueOrDefault(chat) ?? new HashSet<string>(StringComparer.Ordinal);
                known.UnionWith(_pendingTags.Of(shop.Key, chat));
                tags.Known[(shop.Key, chat)] = known;
                tags.Added[(shop.Key, chat)] = new HashSet<string>(StringComparer.Ordinal);
            }
        }

        foreach (var start in facts.Where(f => f.KindCase == Fact.KindOneofCase.ChatStarted && tags.Known.ContainsKey((f.ShopId, f.ChatStarted.ChatId))))
        {
            tags.Known[(start.ShopId, start.ChatStarted.ChatId)].UnionWith(start.ChatStarted.Tags);
            tags.Added[(start.ShopId, start.ChatStarted.ChatId)].UnionWith(start.ChatStarted.Tags);
        }

        return tags;
    }

    /// <summary>Rejects a <c>ChatTagged</c> fact that would take its chat over <see cref="IngestionOptions.MaxTagsPerChat"/>; else counts its tags in.</summary>
    private FactViolation? TagLimit(Fact fact, ChatTags? tags)
    {
        if (fact.KindCase != Fact.KindOneofCase.ChatTagged || tags is null)
        {
            return null;
        }

        var chat = (fact.ShopId, fact.ChatTagged.ChatId);
        var set = tags.Known[chat];
        var after = set.Union(fact.ChatTagged.Tags).Count();
        if (after > options.Value.MaxTagsPerChat)
        {
            return new FactViolation(
                "chat_tagged.tags", $"would give the chat {after} tags; a chat carries at most {options.Value.MaxTagsPerChat}", FactRejection.TagLimit);
        }

        set.UnionWith(fact.ChatTagged.Tags);
        tags.Added[chat].UnionWith(fact.ChatTagged.Tags);
        return null;
    }

    /// <summary>Per tagged chat: the tags it has (stored, pending, this batch's accepted) and those this batch adds.</summary>
    private sealed class ChatTags
    {
        public Dictionary<(string Shop, string Chat), HashSet<string>> Known { get; } = [];

        public Dictionary<(string Shop, string Chat), HashSet<string>> Added { get; } = [];
    }
}
