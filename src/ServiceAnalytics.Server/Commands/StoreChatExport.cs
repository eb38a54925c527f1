using System.Runtime.CompilerServices;
using ServiceAnalytics.Contracts.Query.V1;
using ServiceAnalytics.EmbeddedClickHouse;
using ServiceAnalytics.Server.Hosting;
using ServiceAnalytics.Server.Services;
using ServiceAnalytics.Storage;
using ServiceAnalytics.Storage.Migrations;
using ServiceAnalytics.Storage.Outcomes;
using ServiceAnalytics.Storage.Queries;

namespace ServiceAnalytics.Server.Commands;

/// <summary>
/// The export read from the store with the service's configuration, while the service is stopped on the embedded
/// engine (one process owns its data folder) or beside it on a server: the reads of the ExportChats RPC
/// (<see cref="MetricQueries.ExportChatsAsync"/>, day slices, constant memory), its checks
/// (<see cref="RequestFields"/>) and its mapping (<see cref="QueryResponses.Row"/>), and the list's total.
/// </summary>
internal sealed class StoreChatExport : IChatExportSource
{
    private readonly IHost _host;
    private readonly MetricQueries _queries;
    private DateTime? _asOf;

    private StoreChatExport(IHost host)
    {
        _host = host;
        _queries = host.Services.GetRequiredService<MetricQueries>();
    }

    /// <summary>Opens the store with <paramref name="settings"/> (configuration overrides) and brings its schema up to date, as the other commands do.</summary>
    public static async Task<StoreChatExport> OpenAsync(string[] settings, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = settings, ContentRootPath = ServiceAnalyticsApp.ContentRoot });
        builder.Services.AddClickHouseStorage(builder.Configuration);
        builder.Services.AddSingleton(TimeProvider.System);
        var host = builder.Build();
        try
        {
            await host.Services.GetRequiredService<SchemaMigrator>().MigrateAsync(cancellationToken);
            return new StoreChatExport(host);
        }
        catch (EmbeddedEngineUnavailableException error)
        {
            host.Dispose();
            throw new CommandFailedException($"{error.Message} If the service is running, export through it: --service URL with --api-key-file.", error);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    public async Task<long?> CountAsync(ExportChatsRequest request, CancellationToken cancellationToken)
    {
        var (calendar, period, filter, asOf) = await ScopeAsync(request, cancellationToken);
        return await _queries.CountExportChatsAsync(request.ShopId, calendar, period, asOf, filter, cancellationToken);
    }

    public async IAsyncEnumerable<ChatRow> RowsAsync(
        ExportChatsRequest request, ProgressCounter progress, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var (calendar, period, filter, asOf) = await ScopeAsync(request, cancellationToken);
        await foreach (var row in _queries.ExportChatsAsync(request.ShopId, calendar, period, asOf, filter, cancellationToken))
        {
            progress.Add(1);
            yield return QueryResponses.Row(row);
        }
    }

    public async IAsyncEnumerable<Google.Api.HttpBody> CsvAsync(
        ExportChatsRequest request, ProgressCounter progress, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The ExportChats RPC's chunking, so a file written here is the one the RPC sends.
        var csv = new ChatCsv();
        await foreach (var row in RowsAsync(request, progress, cancellationToken))
        {
            csv.Append(row);
            if (csv.IsFull)
            {
                yield return csv.Take();
            }
        }

        if (!csv.IsEmpty)
        {
            yield return csv.Take();
        }
    }

    public ValueTask DisposeAsync()
    {
        _host.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The checked request's shop calendar, period and filter, and the instant every read is of: fixed at the first
    /// read, so the count and the rows agree, as a list's pages do.
    /// </summary>
    private async Task<(ShopCalendar Calendar, DayPeriod Period, ChatListFilter Filter, DateTime AsOf)> ScopeAsync(
        ExportChatsRequest request, CancellationToken cancellationToken)
    {
        var period = RequestFields.Period(request.FirstDay, request.LastDay);
        var filter = RequestFields.Filter(request);
        var calendar = await _queries.FindShopAsync(RequestFields.ShopId(request.ShopId), cancellationToken)
            ?? throw new CommandFailedException($"shop '{request.ShopId}' not found: the store holds no chats of it.");
        _asOf ??= await _queries.AnswerInstantAsync(DateTime.UtcNow, cancellationToken);
        return (calendar, period, filter, _asOf.Value);
    }
}
