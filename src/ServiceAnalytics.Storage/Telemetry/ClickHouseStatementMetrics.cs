using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;

namespace ServiceAnalytics.Storage.Telemetry;

/// <summary>
/// OpenTelemetry's database client metric for ClickHouse statements, <c>db.client.operation.duration</c> (s): every
/// statement the service sends through ClickHouse.Driver, from the request to ClickHouse's answer (its headers; a
/// result streamed after them is not included), with <c>db.system.name</c> (<c>clickhouse</c>),
/// <c>db.namespace</c>, <c>db.operation.name</c>, <c>db.collection.name</c> and <c>error.type</c> (the ClickHouse
/// error code, or the exception's type) when it failed. Recorded by <see cref="ClickHouseStatementTelemetry"/>, which
/// sees every request. Attribute values stay a small set: a rollup run's staging table is named by its table
/// (<c>settled_chats_stage</c>, not its run id), and the SQL endpoint's statements, whose tables callers name, carry none.
/// </summary>
public sealed partial class ClickHouseStatementMetrics
{
    private readonly Histogram<double> _duration;

    public ClickHouseStatementMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _duration = meters.Create(TelemetryNames.Meter).CreateRequestDuration(
            "db.client.operation.duration", "ClickHouse statements, from the request to ClickHouse's answer.");
    }

    /// <summary>Whether anything listens (else the statement is not summarized for it).</summary>
    public bool Enabled => _duration.Enabled;

    public void Record(TimeSpan elapsed, string? database, string? kind, string? table, string? errorType)
    {
        var tags = new TagList
        {
            { "db.system.name", "clickhouse" },
            { "db.namespace", database },
            { "db.operation.name", kind },
        };
        if (table is not null)
        {
            tags.Add("db.collection.name", StagingSuffix().Replace(table, "_stage"));
        }

        if (errorType is not null)
        {
            tags.Add("error.type", errorType);
        }

        _duration.Record(elapsed.TotalSeconds, tags);
    }

    // RollupStaging's names: {table}_stage_{run id}.
    [GeneratedRegex("_stage_[0-9a-f]+$")]
    private static partial Regex StagingSuffix();
}
