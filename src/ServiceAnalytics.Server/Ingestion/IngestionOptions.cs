namespace ServiceAnalytics.Server.Ingestion;

/// <summary>
/// Limits and batching of fact ingestion (configuration section <c>Ingestion</c>). Each setting's range is checked
/// when the service starts (<see cref="IngestionOptionsValidator"/>): a value outside it stops the start with the
/// setting named.
/// </summary>
public sealed class IngestionOptions
{
    public const string SectionName = "Ingestion";

    /// <summary>Most facts in one request (a unary batch or one stream message). Default: 10,000; 1 to 1,000,000.</summary>
    public int MaxFactsPerBatch { get; set; } = 10_000;

    /// <summary>
    /// Largest gRPC message accepted, in bytes; larger ones fail with RESOURCE_EXHAUSTED. Default: 16 MiB; 1 KiB to
    /// 1 GiB.
    /// </summary>
    public int MaxMessageBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Validated batches waiting for the writer. When full, RPCs wait before taking more input, which slows
    /// producers through HTTP/2 flow control instead of buffering without bound. Default: 32; 1 to 10,000.
    /// </summary>
    public int QueueCapacityBatches { get; set; } = 32;

    /// <summary>Batches one stream may have waiting for their acknowledgement before it reads more. Default: 16; 1 to 1,000.</summary>
    public int StreamWindowBatches { get; set; } = 16;

    /// <summary>
    /// Writers inserting at once: while one waits for ClickHouse, another gathers the next rows. Order between
    /// writers does not matter (facts are idempotent and time-stamped). Default: 1 — on 2 cores the engine
    /// already uses both for one insert, and a second writer measured slower; 1 to 64.
    /// </summary>
    public int Writers { get; set; } = 1;

    /// <summary>A writer inserts once it holds this many rows… Default: 100,000; 1 to 10,000,000.</summary>
    public int FlushRows { get; set; } = 100_000;

    /// <summary>
    /// …or once the oldest waiting batch has waited this long for others to join it. Default: 0 — a writer inserts
    /// as soon as it is free (group commit): what arrives while an insert runs joins the next one, so inserts grow
    /// with the load on their own, and a lone producer waiting for each acknowledgement is not held back by a timer
    /// (measured: 300-fact batches acknowledged at p50 56 ms instead of 285 ms with 250 ms). 0 to 1 minute.
    /// </summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// When a batch is acknowledged: <see cref="FactAcknowledgement.Journaled"/>, once its rows are fsynced to the local
    /// journal (<see cref="JournalPath"/>), ClickHouse committing them right after; or
    /// <see cref="FactAcknowledgement.Committed"/>, once ClickHouse has committed them. Default (unset): journaled with
    /// the embedded engine, whose data is on the same disk as the journal; committed with a ClickHouse server, whose
    /// replicas outlive this instance's disk (docs/ingestion.md, "The journal").
    /// </summary>
    public FactAcknowledgement? AcknowledgeAfter { get; set; }

    /// <summary>
    /// Folder of the journal; each database and instance writes its own folder inside. Default (unset):
    /// <c>ingest-journal</c> beside the embedded engine's <c>DataPath</c>, or <c>data/ingest-journal</c> with a
    /// server; relative paths resolve against the working directory.
    /// </summary>
    public string? JournalPath { get; set; }

    /// <summary>
    /// Longest a read waits for acknowledged batches to be committed before answering without them (logged). Default:
    /// 5 seconds; 0 to 1 minute.
    /// </summary>
    public TimeSpan VisibilityWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Most distinct tags one chat may carry (its start's and every <c>ChatTagged</c>'s); a <c>ChatTagged</c> fact
    /// that would exceed it is rejected. Checked against the stored tags and those of this instance's batches not yet
    /// committed (<see cref="PendingChatTags"/>), so it holds under racing batches in one instance; with N instances
    /// a chat can reach up to N × the limit at worst. Default: 64; 1 to 10,000.
    /// </summary>
    public int MaxTagsPerChat { get; set; } = 64;

    /// <summary>Oldest <c>occurred_at</c> accepted, back from now. Default: 400 days; 1 to 3,650 days.</summary>
    public TimeSpan MaxFactAge { get; set; } = TimeSpan.FromDays(400);

    /// <summary>How far in the future <c>occurred_at</c> may be (producers' clocks drift). Default: 10 minutes; 0 to 1 day.</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>What a producer is told to wait before re-sending after UNAVAILABLE. Default: 1 second; 0 to 10 minutes.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>When an ingested batch is acknowledged (<see cref="IngestionOptions.AcknowledgeAfter"/>).</summary>
public enum FactAcknowledgement
{
    /// <summary>Once its rows are fsynced to the local journal.</summary>
    Journaled,

    /// <summary>Once ClickHouse has committed its rows.</summary>
    Committed,
}
