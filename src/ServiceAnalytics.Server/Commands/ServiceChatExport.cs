using System.Runtime.CompilerServices;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using ServiceAnalytics.Contracts.Query.V1;
using ServiceAnalytics.Server.Services;

namespace ServiceAnalytics.Server.Commands;

/// <summary>
/// The export read from a running service over gRPC with an API key (sent as <c>x-api-key</c>, as every caller
/// does): the count is the <c>ListChats</c> total of the same filter, the CSV the <c>ExportChats</c> stream as it
/// comes; the rows (for a Parquet file) are that CSV read back (<see cref="ChatCsvReader"/>), as the service sends
/// no other format.
/// </summary>
internal sealed class ServiceChatExport(Uri address, string apiKey) : IChatExportSource
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        Credentials = ChannelCredentials.Create(
            address.Scheme == Uri.UriSchemeHttps ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure,
            CallCredentials.FromInterceptor((_, metadata) =>
            {
                metadata.Add("x-api-key", apiKey);
                return Task.CompletedTask;
            })),
        // A plaintext loopback service (the default) is the usual target; TLS is the rule off loopback (the service enforces it).
        UnsafeUseInsecureChannelCallCredentials = address.Scheme != Uri.UriSchemeHttps,
    });

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
