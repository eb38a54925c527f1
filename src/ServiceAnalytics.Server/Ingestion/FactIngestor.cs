using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Contracts.Ingest.V1;
using ServiceAnalytics.Storage.Facts;
using ServiceAnalytics.Storage.Metrics;

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
public sealed class FactIngestor(FactValidator validator, IngestionPipeline pipeline, ChatQueries chats, IOptions<IngestionOptions> options, TimeProvider time)
{
    public async Task<IngestOutcome> IngestAsync(IReadOnlyList<Fact> facts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var limit = options.Value.MaxFactsPerBatch;
        if (facts.Count == 0 || facts.Count > limit)
        {
            throw new InvalidBatchException("facts", $"a batch holds 1 to {limit} facts, this one has {facts.Count}");
        }

        var outcome = new IngestOutcome();
        var tags = await ChatTagsAsync(facts, cancellationToken);
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
                    continue;
                }

                if (seen.Add((fact.ShopId, fact.EventId)))
                {
                    FactRows.Add(rows, fact);
                }

                outcome.AcceptedCount++;
            }
        }
        catch
        {
            rows.Dispose();
            throw;
        }

        if (rows.RowCount > 0)
        {
            // The pipeline owns the rows from here on.
            outcome.VisibleAsOf = Timestamp.FromDateTime(await pipeline.StoreAsync(rows, cancellationToken));
        }
        else
        {
            // Nothing accepted, nothing to wait for: any answer from now on is as complete as this batch makes it.
            rows.Dispose();
            outcome.VisibleAsOf = Timestamp.FromDateTime(time.GetUtcNow().UtcDateTime);
        }

        return outcome;
    }

    /// <summary>
    /// The stored tags of the chats this batch tags (only batches with <c>ChatTagged</c> facts read the store); the
    /// batch's own accepted tags are added as it is taken.
    /// </summary>
    private async Task<Dictionary<(string Shop, string Chat), HashSet<string>>> ChatTagsAsync(IReadOnlyList<Fact> facts, CancellationToken cancellationToken)
    {
        var tagged = facts.Where(f => f.KindCase == Fact.KindOneofCase.ChatTagged).Select(f => (Shop: f.ShopId, Chat: f.ChatTagged.ChatId)).Distinct().ToList();
        var tags = new Dictionary<(string Shop, string Chat), HashSet<string>>();
        if (tagged.Count == 0)
        {
            return tags;
        }

        foreach (var shop in tagged.GroupBy(t => t.Shop))
        {
            var stored = await chats.ReadTagsAsync(shop.Key, [.. shop.Select(t => t.Chat)], cancellationToken);
            foreach (var (_, chat) in shop)
            {
                tags[(shop.Key, chat)] = stored.GetValueOrDefault(chat) ?? new HashSet<string>(StringComparer.Ordinal);
            }
        }

        foreach (var start in facts.Where(f => f.KindCase == Fact.KindOneofCase.ChatStarted && tags.ContainsKey((f.ShopId, f.ChatStarted.ChatId))))
        {
            tags[(start.ShopId, start.ChatStarted.ChatId)].UnionWith(start.ChatStarted.Tags);
        }

        return tags;
    }

    /// <summary>Rejects a <c>ChatTagged</c> fact that would take its chat over <see cref="IngestionOptions.MaxTagsPerChat"/>; else counts its tags in.</summary>
    private FactViolation? TagLimit(Fact fact, Dictionary<(string Shop, string Chat), HashSet<string>> tags)
    {
        if (fact.KindCase != Fact.KindOneofCase.ChatTagged)
        {
            return null;
        }

        var set = tags[(fact.ShopId, fact.ChatTagged.ChatId)];
        var after = set.Union(fact.ChatTagged.Tags).Count();
        if (after > options.Value.MaxTagsPerChat)
        {
            return new FactViolation("chat_tagged.tags", $"would give the chat {after} tags; a chat carries at most {options.Value.MaxTagsPerChat}");
        }

        set.UnionWith(fact.ChatTagged.Tags);
        return null;
    }
}
