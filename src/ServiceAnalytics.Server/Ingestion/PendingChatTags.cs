namespace ServiceAnalytics.Server.Ingestion;

/// <summary>
/// Tags that batches in this process have taken for chats but that are not committed yet, so that batches racing
/// each other count each other's tags against <see cref="IngestionOptions.MaxTagsPerChat"/>: checked against the
/// store alone, 8 concurrent batches each filling one new chat to the limit were all accepted (8 × the limit).
/// <para>
/// A batch that tags chats, holding their locks, reads their stored tags, adds the pending ones, checks its facts
/// and adds its own accepted tags as pending; once the pipeline is done with it (committed or failed) it removes
/// them, holding the locks again. So a batch's tags stay pending until the store holds them, and cannot stop being
/// pending while another batch is between its read of the store and its check: that batch counts them, from the
/// store or as pending. Batches tagging other chats do not wait, and no batch waits for another's commit.
/// </para>
/// <para>Other instances' batches are not seen: with N instances a chat can reach up to N × the limit at worst.</para>
/// </summary>
internal sealed class PendingChatTags
{
    private readonly KeyedLocks _locks = new();
    private readonly Dictionary<(string Shop, string Chat), Dictionary<string, int>> _pending = [];

    /// <summary>Takes the locks of <paramref name="chats"/>.</summary>
    public Task<KeyedLocks.Held> LockAsync(IEnumerable<(string Shop, string Chat)> chats, CancellationToken cancellationToken) =>
        _locks.AcquireAsync(chats.Select(c => KeyedLocks.Key(c.Shop, c.Chat)), cancellationToken);

    /// <summary>The chat's pending tags (the caller holds its lock).</summary>
    public IReadOnlyCollection<string> Of(string shop, string chat)
    {
        lock (_pending)
        {
            return _pending.TryGetValue((shop, chat), out var tags) ? [.. tags.Keys] : [];
        }
    }

    /// <summary>Adds a batch's tags as pending (the caller holds the chats' locks).</summary>
    public void Add(IReadOnlyDictionary<(string Shop, string Chat), HashSet<string>> tags)
    {
        lock (_pending)
        {
            foreach (var (chat, added) in tags)
            {
                if (!_pending.TryGetValue(chat, out var counts))
                {
                    counts = new Dictionary<string, int>(StringComparer.Ordinal);
                    _pending[chat] = counts;
                }

                foreach (var tag in added)
                {
                    counts[tag] = counts.GetValueOrDefault(tag) + 1;
                }
            }
        }
    }

    /// <summary>Removes what <see cref="Add"/> added for a batch, taking the chats' locks (never cancelled: the tags must not stay pending).</summary>
    public async Task RemoveAsync(IReadOnlyDictionary<(string Shop, string Chat), HashSet<string>> tags)
    {
        using (await LockAsync(tags.Keys, CancellationToken.None))
        {
            lock (_pending)
            {
                foreach (var (chat, added) in tags)
                {
                    var counts = _pending[chat];
                    foreach (var tag in added)
                    {
                        if (--counts[tag] == 0)
                        {
                            counts.Remove(tag);
                        }
                    }

                    if (counts.Count == 0)
                    {
                        _pending.Remove(chat);
                    }
                }
            }
        }
    }
}
