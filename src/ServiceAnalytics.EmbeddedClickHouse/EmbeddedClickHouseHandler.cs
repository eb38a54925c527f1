using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace ServiceAnalytics.EmbeddedClickHouse;

/// <summary>
/// Serves ClickHouse.Driver's HTTP requests from the embedded engine, in process. The driver cannot tell it from
/// a ClickHouse server: SQL comes from the body (after the optional <c>query</c> parameter), <c>param_*</c> values
/// are bound by the engine, settings and the database are applied per request, <c>INSERT … FORMAT x</c> bodies in
/// any of the driver's compressions are streamed into the engine, and failures come back as a non-2xx response
/// with ClickHouse's <c>Code: N. DB::Exception</c> text so the driver raises <c>ClickHouseServerException</c>.
/// Statements run on the connections of one <see cref="EmbeddedConnectionPool"/>: the engine's own pool, or a
/// pool of its own (the BI endpoint's read-only one).
/// </summary>
/// <remarks>
/// Cancellation: a cancelled INSERT is cancelled in the engine (nothing is committed). A cancelled query is
/// abandoned: the caller gets <see cref="OperationCanceledException"/> at once, the engine finishes the statement
/// in the background (bounded by <c>max_execution_time</c> when the caller set one), and only then is the connection
/// returned to the pool and the result freed. chDB offers no way to interrupt a running non-streaming statement.
/// </remarks>
/// <param name="pool">The pool whose connections run the statements.</param>
/// <param name="mayUseReserve">Whether the statements may take the pool's reserved connections (<see cref="EmbeddedConnectionPool.ReservedConnections"/>).</param>
public sealed class EmbeddedClickHouseHandler(EmbeddedConnectionPool pool, bool mayUseReserve = false) : HttpMessageHandler
{
    private const int InsertChunkBytes = 1024 * 1024;

    /// <summary>A handler over the engine's own pool, the service's.</summary>
    public EmbeddedClickHouseHandler(EmbeddedEngine engine)
        : this((engine ?? throw new ArgumentNullException(nameof(engine))).Pool)
    {
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RequestUri?.AbsolutePath.TrimEnd('/') == "/ping")
        {
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("Ok.\n") };
        }

        var call = EmbeddedRequest.FromUri(request.RequestUri);
        try
        {
            await using var body = await OpenBodyAsync(request.Content, cancellationToken);
            var statement = await StatementBody.ReadAsync(call.QueryText, body, cancellationToken);
            var result = statement switch
            {
                StatementBody.Insert insert => await InsertAsync(call, insert, cancellationToken),
                StatementBody.Plain plain => await QueryAsync(call, plain, cancellationToken),
                _ => throw new InvalidOperationException("Unknown statement kind."),
            };
            return Success(call, result);
        }
        catch (EmbeddedEngineException error)
        {
            return Failure(call, error.Code, error.Message);
        }
        catch (InvalidDataException error)
        {
            // A body that does not decompress: ClickHouse answers CANNOT_DECOMPRESS.
            return Failure(call, 271, $"Code: 271. DB::Exception: Cannot decompress the request body: {error.Message} (CANNOT_DECOMPRESS)");
        }
    }

    private async Task<NativeResult> QueryAsync(EmbeddedRequest call, StatementBody.Plain plain, CancellationToken cancellationToken)
    {
        var connection = await pool.RentAsync(mayUseReserve, cancellationToken);
        // The statement holds its thread in native code for as long as it runs (a BI statement also while the engine
        // pauses it for the service's, see StatementPriorities): on a thread of its own, not one of the thread pool's
        // (as many as the cores), which the RPCs' continuations need; blocked pool threads stalled them by hundreds
        // of milliseconds while the pool grew.
        var execution = Task.Factory.StartNew(() =>
        {
            try
            {
                connection.Prepare(call.Database, call.Settings);
                return connection.Execute(plain.Sql.Span, call.Format, call.Parameters).ThrowIfFailed();
            }
            finally
            {
                pool.Return(connection, mayUseReserve);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        try
        {
            return await execution.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Abandoned: free the result once the engine is done with the statement.
            _ = execution.ContinueWith(
                static finished =>
                {
                    if (finished.IsCompletedSuccessfully)
                    {
                        finished.Result.Dispose();
                    }
                },
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }
    }

    private async Task<NativeResult> InsertAsync(EmbeddedRequest call, StatementBody.Insert insert, CancellationToken cancellationToken)
    {
        var connection = await pool.RentAsync(mayUseReserve, cancellationToken);
        var chunk = ArrayPool<byte>.Shared.Rent(InsertChunkBytes);
        NativeInsertStream? stream = null;
        try
        {
            connection.Prepare(call.Database, call.Settings);
            stream = connection.BeginInsert(Encoding.UTF8.GetBytes(insert.Statement), insert.Format, call.Parameters);
            if (!insert.DataPrefix.IsEmpty)
            {
                stream.Append(insert.DataPrefix.Span);
            }

            int read;
            while ((read = await insert.DataRest.ReadAtLeastAsync(chunk, chunk.Length, throwOnEndOfStream: false, cancellationToken)) > 0)
            {
                stream.Append(chunk.AsSpan(0, read));
            }

            cancellationToken.ThrowIfCancellationRequested();
            return stream.Complete();
        }
        finally
        {
            // Disposing an uncompleted stream cancels the INSERT: nothing of it is committed.
            stream?.Dispose();
            pool.Return(connection, mayUseReserve);
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private static async Task<Stream> OpenBodyAsync(HttpContent? content, CancellationToken cancellationToken)
    {
        if (content is null)
        {
            return Stream.Null;
        }

        return RequestBodyEncodings.Decode(await content.ReadAsStreamAsync(cancellationToken), content.Headers.ContentEncoding.LastOrDefault());
    }

    private HttpResponseMessage Success(EmbeddedRequest call, NativeResult result)
    {
        var summary = string.Create(
            CultureInfo.InvariantCulture,
            $"{{\"read_rows\":\"{result.RowsRead}\",\"read_bytes\":\"{result.BytesRead}\",\"written_rows\":\"{result.RowsWritten}\",\"written_bytes\":\"{result.BytesWritten}\",\"total_rows_to_read\":\"0\",\"result_bytes\":\"{result.Length}\",\"elapsed_ns\":\"{(long)(result.ElapsedSeconds * 1e9)}\"}}");
        HttpContent content;
        if (result.Length == 0)
        {
            // Statements without output (DDL, INSERT) have no result buffer at all.
            result.Dispose();
            content = new ByteArrayContent([]);
        }
        else
        {
            content = new StreamContent(new NativeResultStream(result));
        }

        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        AddCommonHeaders(response, call);
        response.Headers.Add("X-ClickHouse-Format", call.Format);
        response.Headers.Add("X-ClickHouse-Summary", summary);
        return response;
    }

    private HttpResponseMessage Failure(EmbeddedRequest call, int code, string message)
    {
        var response = new HttpResponseMessage(HttpStatusCode.InternalServerError)
        {
            Content = new StringContent(message + "\n", Encoding.UTF8, "text/plain"),
        };
        AddCommonHeaders(response, call);
        response.Headers.Add("X-ClickHouse-Exception-Code", code.ToString(CultureInfo.InvariantCulture));
        return response;
    }

    private void AddCommonHeaders(HttpResponseMessage response, EmbeddedRequest call)
    {
        response.Headers.Add("X-ClickHouse-Query-Id", call.QueryId);
        response.Headers.Add("X-ClickHouse-Timezone", pool.Engine.TimeZone);
        response.Headers.Add("X-ClickHouse-Server-Display-Name", "embedded");
    }
}
