namespace ServiceAnalytics.EmbeddedClickHouse;

/// <summary>A <c>chdb_result</c>: owns the native result until disposed.</summary>
internal sealed unsafe class NativeResult : IDisposable
{
    private nint _handle;

    public NativeResult(nint handle)
    {
        _handle = handle;
        Error = ChdbNative.ReadString(ChdbNative.ResultError(handle));
    }

    /// <summary>The engine's error text, or null when the statement succeeded.</summary>
    public string? Error { get; }

    public byte* Buffer => ChdbNative.ResultBuffer(_handle);

    public long Length => (long)ChdbNative.ResultLength(_handle);

    public ulong RowsRead => ChdbNative.ResultRowsRead(_handle);

    public ulong BytesRead => ChdbNative.ResultBytesRead(_handle);

    public ulong RowsWritten => ChdbNative.ResultRowsWritten(_handle);

    public ulong BytesWritten => ChdbNative.ResultBytesWritten(_handle);

    public double ElapsedSeconds => ChdbNative.ResultElapsed(_handle);

    /// <summary>Throws <see cref="EmbeddedEngineException"/> when the statement failed; otherwise returns this.</summary>
    public NativeResult ThrowIfFailed()
    {
        if (Error is { } error)
        {
            Dispose();
            throw EmbeddedEngineException.FromEngineMessage(error);
        }

        return this;
    }

    public void Dispose()
    {
        var handle = Interlocked.Exchange(ref _handle, 0);
        if (handle != 0)
        {
            ChdbNative.DestroyQueryResult(handle);
        }
    }
}

/// <summary>Reads a native result without copying it; disposing the stream frees the result.</summary>
internal sealed unsafe class NativeResultStream(NativeResult result)
    : UnmanagedMemoryStream(result.Buffer, result.Length, result.Length, FileAccess.Read)
{
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        result.Dispose();
    }
}
