namespace ServiceAnalytics.Server;

/// <summary>
/// Asynchronous mutual exclusion per key, within this process: what makes a check-then-write on one chat (the tag
/// limit, a transfer) hold when requests for that chat race each other, while requests for other chats go on. A
/// caller takes several keys in ordinal order, so two callers never wait for each other in a cycle. A key's entry
/// lives only while someone holds or awaits it.
/// </summary>
internal sealed class KeyedLocks
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>An unambiguous key of several parts (each length-prefixed, so ("ab", "c") and ("a", "bc") differ).</summary>
    public static string Key(params ReadOnlySpan<string> parts)
    {
        var key = new System.Text.StringBuilder();
        foreach (var part in parts)
        {
            key.Append(part.Length).Append(':').Append(part);
        }

        return key.ToString();
    }

    /// <summary>Waits until the caller holds every one of <paramref name="keys"/>; disposing the result releases them.</summary>
    public async Task<Held> AcquireAsync(IEnumerable<string> keys, CancellationToken cancellationToken)
    {
        var held = new Held(this);
        try
        {
            foreach (var key in keys.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                var entry = Join(key);
                try
                {
                    await entry.Gate.WaitAsync(cancellationToken);
                }
                catch
                {
                    Leave(key, entry);
                    throw;
                }

                held.Taken.Add((key, entry));
            }
        }
        catch
        {
            held.Dispose();
            throw;
        }

        return held;
    }

    private Entry Join(string key)
    {
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                entry = new Entry();
                _entries[key] = entry;
            }

            entry.Users++;
            return entry;
        }
    }

    private void Leave(string key, Entry entry)
    {
        lock (_entries)
        {
            if (--entry.Users == 0)
            {
                _entries.Remove(key);
                entry.Gate.Dispose();
            }
        }
    }

    internal sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public int Users { get; set; }
    }

    /// <summary>Keys held by one caller, released (in reverse order) on dispose.</summary>
    internal sealed class Held(KeyedLocks owner) : IDisposable
    {
        internal List<(string Key, Entry Entry)> Taken { get; } = [];

        public void Dispose()
        {
            for (var i = Taken.Count - 1; i >= 0; i--)
            {
                var (key, entry) = Taken[i];
                entry.Gate.Release();
                owner.Leave(key, entry);
            }

            Taken.Clear();
        }
    }
}
