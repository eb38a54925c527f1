using ServiceAnalytics.Contracts.Query.V1;

namespace ServiceAnalytics.Server.Commands;

/// <summary>
/// Where the <c>export</c> command reads All Chats from: the store directly (<see cref="StoreChatExport"/>) or a
/// running service (<see cref="ServiceChatExport"/>). Either gives the rows the <c>ListChats</c> RPC gives for the
/// same checked request, as CSV and one by one, for a Parquet file.
/// </summary>
internal interface IChatExportSource : IAsyncDisposable
{
    /// <summary>
    /// The chats of the request, exactly as the list counts them (its <c>total</c>), or null when that is not
    /// known; a shop without data fails with <see cref="CommandFailedException"/>.
    /// </summary>
    Task<long?> CountAsync(ExportChatsRequest request, CancellationToken cancellationToken);

    /// <summary>The rows of the request in the list's order, each counted into <paramref name="progress"/>.</summary>
    IAsyncEnumerable<ChatRow> RowsAsync(ExportChatsRequest request, ProgressCounter progress, CancellationToken cancellationToken);

    /// <summary>
    /// The request's CSV as the ExportChats RPC sends it (<see cref="Services.ChatCsv"/>): chunks of whole records, the
    /// header first, each without its last line feed; the records counted into <paramref name="progress"/>.
    /// </summary>
    IAsyncEnumerable<Google.Api.HttpBody> CsvAsync(ExportChatsRequest request, ProgressCounter progress, CancellationToken cancellationToken);
}
