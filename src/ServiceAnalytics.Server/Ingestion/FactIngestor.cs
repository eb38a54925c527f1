using Microsoft.Extensions.Options;
using ServiceAnalytics.Contracts.Ingest.V1;
using ServiceAnalytics.Storage.Facts;

namespace ServiceAnalytics.Server.Ingestion;

/// <summary>A request that cannot be taken as a whole (not a problem of one fact).</summary>
public sealed class InvalidBatchException(string field, string reason) : Exception($"{field}: {reason}")
{
    public string Field { get; } = field;

    public string Reason { get; } = reason;
}

/// <summary>
/// Ingests one batch of facts with partial success: each invalid fact is rejected with its index, field and
/// reason; the valid rest is stored, and the call returns once it is committed. A fact repeated within the batch
/// (same shop and event id) is stored once and counted as accepted each time.
/// </summary>
public sealed class FactIngestor(FactValidator validator, IngestionPipeline pipeline, IOptions<IngestionOptions> options)
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
        var rows = new FactBatch();
        try
        {
            var seen = new HashSet<(string Shop, string Event)>();
            for (var index = 0; index < facts.Count; index++)
            {
                var fact = facts[index];
                if (validator.Validate(fact) is { } violation)
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
            await pipeline.StoreAsync(rows, cancellationToken);
        }
        else
        {
            rows.Dispose();
        }

        return outcome;
    }
}
