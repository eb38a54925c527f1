namespace ServiceAnalytics.Benchmarks;

/// <summary>
/// The process's peak resident memory split in two: the service's own work (loading facts, rollup runs, the
/// service's reads) and a benchmark's reference statements (the raw-facts baseline), which the service never runs
/// and which take all the memory the engine allows. Linux keeps one peak per process (<c>VmHWM</c>) and starts it over
/// at the current size when <c>5</c> is written to <c>/proc/self/clear_refs</c>: the peak is read and started over
/// around each reference measurement. After one, the engine's allocator still holds the pages the reference freed
/// (it returns them over the next ~10 s), so before the service's peak starts over they are returned at once
/// (<paramref name="releaseFreedMemory"/>): otherwise the reference's leftovers would count as the service's.
/// </summary>
/// <param name="releaseFreedMemory">Returns the memory the engine's allocator holds freed (<c>SYSTEM JEMALLOC PURGE</c>).</param>
internal sealed class MemoryPeaks(Func<Task> releaseFreedMemory)
{
    private long _serviceKiB;
    private long _referenceKiB;

    /// <summary>The peak of everything but the reference measurements, so far.</summary>
    public string Service => MiB(_serviceKiB = Math.Max(_serviceKiB, PeakKiB()));

    /// <summary>The peak of the reference measurements.</summary>
    public string Reference => MiB(_referenceKiB);

    /// <summary>Runs a reference measurement, its peak kept apart from the service's.</summary>
    public async Task<T> ReferenceAsync<T>(Func<Task<T>> measure)
    {
        _serviceKiB = Math.Max(_serviceKiB, PeakKiB());
        StartOver();
        var result = await measure();
        _referenceKiB = Math.Max(_referenceKiB, PeakKiB());
        await releaseFreedMemory();
        StartOver();
        return result;
    }

    private static long PeakKiB() =>
        long.Parse(File.ReadLines("/proc/self/status").First(line => line.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    private static void StartOver() => File.WriteAllText("/proc/self/clear_refs", "5");

    private static string MiB(long kibibytes) => $"{kibibytes / 1024.0:F0} MiB";
}
