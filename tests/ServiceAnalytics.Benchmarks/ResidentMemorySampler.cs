namespace ServiceAnalytics.Benchmarks;

/// <summary>
/// Samples a process's resident memory by kind from /proc every 100 ms until disposed, keeping each kind's highest:
/// anonymous (<c>RssAnon</c>: the heaps, the engine's included) and file-backed (<c>RssFile</c>: mostly the
/// engine's library mapped from disk, clean pages the kernel can drop and other processes share). The kernel keeps
/// a peak of their sum only (<c>VmHWM</c>); the two peaks need not fall at the same instant.
/// </summary>
internal sealed class ResidentMemorySampler : IAsyncDisposable
{
    private readonly int _processId;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;

    public ResidentMemorySampler(int processId)
    {
        _processId = processId;
        _sampling = SampleAsync(_stop.Token);
    }

    /// <summary>The highest anonymous resident memory seen, in bytes.</summary>
    public long PeakAnonymous { get; private set; }

    /// <summary>The highest file-backed resident memory seen, in bytes.</summary>
    public long PeakFileBacked { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }

    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                Sample();
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            Sample();
        }
    }

    private void Sample()
    {
        try
        {
            PeakAnonymous = Math.Max(PeakAnonymous, ServiceProcess.Rss(_processId, "RssAnon:"));
            PeakFileBacked = Math.Max(PeakFileBacked, ServiceProcess.Rss(_processId, "RssFile:"));
        }
        catch (IOException)
        {
            // The process has exited: its last sample stands.
        }
    }
}
