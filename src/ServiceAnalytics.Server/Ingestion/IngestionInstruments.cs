using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Collections.Frozen;
using ServiceAnalytics.Contracts.Ingest.V1;
using ServiceAnalytics.Storage.Telemetry;

namespace ServiceAnalytics.Server.Ingestion;

/// <summary>
/// The ingestion path's instruments (docs/instruments.md): facts accepted and rejected, batch sizes, the
/// acknowledgement latency (recorded by <see cref="FactIngestor"/>, which knows each fact's fate), the queue depth,
/// backpressure and the inserts (recorded by <see cref="IngestionPipeline"/>, which does the waiting and writing).
/// </summary>
public sealed class IngestionInstruments
{
    /// <summary>Attribute: the fact's kind, the proto field name of its <c>kind</c> (<c>chat_started</c>, …; <c>none</c> when unset).</summary>
    public const string FactKindAttribute = "service_analytics.fact.kind";

    /// <summary>Attribute: why a fact was rejected (<see cref="RejectionName"/>).</summary>
    public const string RejectionAttribute = "service_analytics.rejection.reason";

    private static readonly FrozenDictionary<Fact.KindOneofCase, string> s_kindNames = Enum.GetValues<Fact.KindOneofCase>().ToFrozenDictionary(
        kind => kind, kind => Fact.Descriptor.FindFieldByNumber((int)kind)?.Name ?? "none");

    private readonly Meter _meter;
    private readonly Counter<long> _accepted;
    private readonly Counter<long> _rejected;
    private readonly Histogram<long> _batchSize;
    private readonly Histogram<double> _acknowledgement;
    private readonly Counter<long> _backpressure;
    private readonly Histogram<double> _insert;
    private readonly Histogram<long> _insertRows;

    public IngestionInstruments(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(TelemetryNames.Meter);
        _accepted = _meter.CreateCounter<long>(
            "service_analytics.ingest.facts.accepted", "{fact}", "Facts accepted in acknowledged batches (a fact repeated within a batch counts each time, as its outcome does).");
        _rejected = _meter.CreateCounter<long>(
            "service_analytics.ingest.facts.rejected", "{fact}", "Facts rejected one by one in acknowledged batches, by kind of rejection.");
        _batchSize = _meter.CreateHistogram(
            "service_analytics.ingest.batch.size", "{fact}", "Facts per batch taken (IngestBatch requests and stream messages within the size limit).",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = InstrumentBuckets.BatchFacts });
        _acknowledgement = _meter.CreateRequestDuration(
            "service_analytics.ingest.acknowledgement.duration", "From a batch taken to its acknowledgement (its valid facts committed).");
        _backpressure = _meter.CreateCounter<long>(
            "service_analytics.ingest.backpressure", "{event}", "Batches that found the ingestion queue full and waited for room.");
        _insert = _meter.CreateRequestDuration(
            "service_analytics.ingest.insert.duration", "INSERTs of the pipeline's collected rows; error.type is set on the failed ones (store errors).");
        _insertRows = _meter.CreateHistogram(
            "service_analytics.ingest.insert.rows", "{row}", "Fact rows per INSERT of collected batches: how large the parts ClickHouse receives are.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = InstrumentBuckets.InsertRows });
    }

    /// <summary>The attribute value of a rejection: <c>invalid_field</c>, <c>too_old</c>, <c>in_future</c>, <c>tag_limit</c>.</summary>
    public static string RejectionName(FactRejection rejection) => rejection switch
    {
        FactRejection.TooOld => "too_old",
        FactRejection.InFuture => "in_future",
        FactRejection.TagLimit => "tag_limit",
        _ => "invalid_field",
    };

    /// <summary>The attribute value of a fact kind (its proto field name).</summary>
    public static string KindName(Fact.KindOneofCase kind) => s_kindNames.GetValueOrDefault(kind, "none");

    /// <summary>Observes the number of batches waiting in the pipeline's queue (called once, by the pipeline).</summary>
    public void ObserveQueueDepth(Func<int> depth) => _meter.CreateObservableGauge(
        "service_analytics.ingest.queue.depth", () => depth(), "{batch}", "Validated batches waiting for a writer.");

    /// <summary>Observes the number of batches acknowledged from the journal and not committed yet (called once, by the pipeline).</summary>
    public void ObserveUncommitted(Func<int> uncommitted) => _meter.CreateObservableGauge(
        "service_analytics.ingest.journal.uncommitted", () => uncommitted(), "{batch}", "Batches acknowledged from the journal that ClickHouse has not committed yet.");

    public void BatchTaken(int facts) => _batchSize.Record(facts);

    /// <summary>A batch acknowledged <paramref name="elapsed"/> after it was taken, with the fate of each of its facts.</summary>
    public void Acknowledged(FactTally tally, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(tally);
        foreach (var ((kind, rejection), count) in tally.Counts)
        {
            var kindTag = new KeyValuePair<string, object?>(FactKindAttribute, KindName(kind));
            if (rejection is { } why)
            {
                _rejected.Add(count, kindTag, new KeyValuePair<string, object?>(RejectionAttribute, RejectionName(why)));
            }
            else
            {
                _accepted.Add(count, kindTag);
            }
        }

        _acknowledgement.Record(elapsed.TotalSeconds);
    }

    public void BackpressureWait() => _backpressure.Add(1);

    /// <summary>An INSERT of <paramref name="rows"/> fact rows that took <paramref name="elapsed"/>; <paramref name="error"/> when it failed.</summary>
    public void Inserted(int rows, TimeSpan elapsed, Exception? error = null)
    {
        if (error is null)
        {
            _insert.Record(elapsed.TotalSeconds);
            _insertRows.Record(rows);
        }
        else
        {
            _insert.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("error.type", error.GetType().FullName));
        }
    }
}

/// <summary>The fate of each fact of one batch, by kind: accepted (no rejection) or rejected and why.</summary>
public sealed class FactTally
{
    private readonly Dictionary<(Fact.KindOneofCase Kind, FactRejection? Rejection), long> _counts = [];

    public IReadOnlyDictionary<(Fact.KindOneofCase Kind, FactRejection? Rejection), long> Counts => _counts;

    public void Accepted(Fact.KindOneofCase kind) => Add((kind, null));

    public void Rejected(Fact.KindOneofCase kind, FactRejection rejection) => Add((kind, rejection));

    private void Add((Fact.KindOneofCase, FactRejection?) key) => _counts[key] = _counts.GetValueOrDefault(key) + 1;
}
