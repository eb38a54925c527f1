using System.Globalization;

namespace ServiceAnalytics.Storage.Rollups;

/// <summary>
/// The last local day whose settled rows no scheduled run will change again: the query RPCs read the days up to it
/// from <c>settled_chats</c> and compute later ones from the facts. Read from <c>rollup_runs</c> and kept for
/// <see cref="RefreshInterval"/>: a watermark older than the true one only means more days computed live, which
/// gives the same answers, so another instance's run may take that long to speed this one up.
/// </summary>
public sealed class SettledWatermark(ClickHouseStore store, TimeProvider time)
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private DateOnly? _day;
    private long _readAt = long.MinValue;

    public async ValueTask<DateOnly?> GetAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_readAt != long.MinValue && time.GetElapsedTime(_readAt) < RefreshInterval)
            {
                return _day;
            }
        }

        var day = await ReadAsync(cancellationToken);
        lock (_lock)
        {
            _day = Later(_day, day);
            _readAt = time.GetTimestamp();
            return _day;
        }
    }

    /// <summary>Called by a run of this process that settled days up to <paramref name="day"/>.</summary>
    public void Advance(DateOnly day)
    {
        lock (_lock)
        {
            _day = Later(_day, day);
        }
    }

    /// <summary>The watermark as stored now: the latest <c>settled_through</c> of a successful run.</summary>
    public async Task<DateOnly?> ReadAsync(CancellationToken cancellationToken)
    {
        var value = await store.Client.ExecuteScalarAsync(
            "SELECT toString(max(settled_through)) FROM rollup_runs WHERE error = '' AND settled_through IS NOT NULL HAVING count() > 0",
            cancellationToken: cancellationToken);
        return value is string text ? DateOnly.Parse(text, CultureInfo.InvariantCulture) : null;
    }

    private static DateOnly? Later(DateOnly? a, DateOnly? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
