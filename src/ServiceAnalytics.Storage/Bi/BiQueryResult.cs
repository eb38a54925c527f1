using ClickHouse.Driver.ADO;

namespace ServiceAnalytics.Storage.Bi;

/// <summary>
/// The answer to one BI statement, for the HTTP layer to stream: the engine's output (<see cref="Body"/>,
/// uncompressed) in <see cref="Format"/>. Disposing it releases the driver's response.
/// </summary>
public sealed class BiQueryResult : IAsyncDisposable
{
    private readonly ClickHouseRawResult _raw;

    internal BiQueryResult(ClickHouseRawResult raw, Stream body, string format, string queryId, string timeZone)
    {
        _raw = raw;
        Body = body;
        Format = format;
        QueryId = queryId;
        TimeZone = timeZone;
    }

    /// <summary>The result in <see cref="Format"/>, read once, front to back.</summary>
    public Stream Body { get; }

    /// <summary>The output format: the statement's FORMAT clause, else the caller's default, else TabSeparated.</summary>
    public string Format { get; }

    /// <summary>The statement's query id: the caller's, or one the runner made.</summary>
    public string QueryId { get; }

    /// <summary>The engine's time zone (<c>timezone()</c>), as a server reports it in <c>X-ClickHouse-Timezone</c>.</summary>
    public string TimeZone { get; }

    public async ValueTask DisposeAsync()
    {
        await Body.DisposeAsync();
        _raw.Dispose();
    }
}
