using Parquet;
using Parquet.Schema;
using ServiceAnalytics.Contracts.Query.V1;

namespace ServiceAnalytics.Server.Services;

/// <summary>
/// All Chats as a Parquet file (Parquet.Net): the columns of <see cref="ChatColumn.All"/>, typed (UTC timestamps in
/// milliseconds, the tags a list of strings, an unset first response a null), written in row groups of
/// <see cref="RowGroupChats"/> chats, so it holds one row group's rows, not the file's.
/// </summary>
internal sealed class ChatParquet : IAsyncDisposable
{
    /// <summary>Chats per row group: large enough for readers to scan well, small enough to hold.</summary>
    public const int RowGroupChats = 10_000;

    private static readonly ParquetSchema s_schema = new([.. ChatColumn.All.Select(c => c.ParquetField)]);

    private readonly ParquetWriter _writer;
    private readonly List<ChatRow> _rows = new(RowGroupChats);
    private bool _closed;

    private ChatParquet(ParquetWriter writer) => _writer = writer;

    /// <summary>Starts the file on <paramref name="output"/>, which must be seekable (Parquet.Net's writer asks it).</summary>
    public static async Task<ChatParquet> CreateAsync(Stream output, CancellationToken cancellationToken) =>
        new(await ParquetWriter.CreateAsync(s_schema, output, cancellationToken: cancellationToken));

    public async Task AppendAsync(ChatRow row, CancellationToken cancellationToken)
    {
        _rows.Add(row);
        if (_rows.Count >= RowGroupChats)
        {
            await WriteRowGroupAsync(cancellationToken);
        }
    }

    /// <summary>Writes the rows still held and the file's footer: only then is the file whole.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (_rows.Count > 0)
        {
            await WriteRowGroupAsync(cancellationToken);
        }

        await DisposeAsync();
    }

    /// <summary>Closes the writer (it writes a footer: a file given up on is to be deleted, as the export does).</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_closed)
        {
            _closed = true;
            await _writer.DisposeAsync();
        }
    }

    private async Task WriteRowGroupAsync(CancellationToken cancellationToken)
    {
        using (var group = _writer.CreateRowGroup())
        {
            foreach (var column in ChatColumn.All)
            {
                await column.WriteAsync(group, _rows, cancellationToken);
            }
        }

        _rows.Clear();
    }
}
