using System.Runtime.CompilerServices;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using ServiceAnalytics.Contracts.Query.V1;
using ServiceAnalytics.Server.Services;

namespace ServiceAnalytics.Server.Commands;

/// <summary>
/// The export read from a running service over gRPC, on a channel whose calls carry the API key
/// (<see cref="ServiceConnection"/>): the count is the <c>ListChats</c> total of the same filter, the CSV the <c>ExportChats</c> stream as it
/// comes; the rows (for a Parquet file) are that CSV read back (<see cref="ChatCsvReader"/>), as the service sends
/// no other format.
/// </summary>
internal sealed class ServiceChatExport(GrpcChannel channel) : IChatExportSource
{
    private readonly GrpcChannel _channel = channel;

    private AnalyticsService.AnalyticsServiceClient Client => new(_channel);

    public async Task<long?> CountAsync(ExportChatsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // ExportChatsRequest is ListChatsRequest's fields under the same numbers, without the paging ones.
        var list = ListChatsRequest.Parser.ParseFrom(request.ToByteString());
        list.PageSize = 1;
        var page = await Client.ListChatsAsync(list, cancellationToken: cancellationToken);
        return page.Total;
    }

    public async IAsyncEnumerable<ChatRow> RowsAsync(
        ExportChatsRequest request, ProgressCounter progress, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        using var call = Client.ExportChats(request, cancellationToken: cancellationToken);
        var first = true;
        await foreach (var chunk in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            foreach (var row in ChatCsvReader.Rows(chunk.Data.ToStringUtf8(), first))
            {
                progress.Add(1);
                yield return row;
            }

            first = false;
        }
    }

    public async IAsyncEnumerable<Google.Api.HttpBody> CsvAsync(
        ExportChatsRequest request, ProgressCounter progress, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        using var call = Client.ExportChats(request, cancellationToken: cancellationToken);
        var header = true;
        await foreach (var chunk in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            // Whole records separated by line feeds (field values hold none: ingestion refuses control characters).
            var records = chunk.Data.Span.Count((byte)'\n') + 1;
            progress.Add(header ? records - 1 : records);
            header = false;
            yield return chunk;
        }
    }

    public ValueTask DisposeAsync()
    {
        _channel.Dispose();
        return ValueTask.CompletedTask;
    }
}
