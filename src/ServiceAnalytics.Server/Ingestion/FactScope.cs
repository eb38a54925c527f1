using ServiceAnalytics.Storage.Facts;

namespace ServiceAnalytics.Server.Ingestion;

/// <summary>
/// Which acknowledged facts a read depends on, so that it waits (<see cref="FactVisibility"/>) only for the uncommitted
/// batches that hold some of them. Every answer about a shop is computed from that shop's facts alone, so a shop's
/// reads need not wait for other shops' batches; a read across shops (a rollup run, a BI statement) waits for all.
/// </summary>
public sealed class FactScope
{
    private readonly Func<BatchFootprint, bool> _covers;

    private FactScope(Func<BatchFootprint, bool> covers) => _covers = covers;

    /// <summary>Every fact: reads across shops.</summary>
    public static FactScope All { get; } = new(_ => true);

    /// <summary>The facts of one shop: its chats, orders, agents and settings.</summary>
    public static FactScope Shop(string shopId) => new(batch => batch.HasAgents || batch.Shops.Contains(shopId));

    /// <summary>The facts of one chat of a shop (what its timeline shows).</summary>
    public static FactScope Chat(string shopId, string chatId) => new(batch => batch.Chats.Contains((shopId, chatId)));

    /// <summary>The facts of chats with these ids, in any shop (whose shop owns an id).</summary>
    public static FactScope ChatIds(IReadOnlyCollection<string> chatIds) => new(batch => batch.Chats.Any(chat => chatIds.Contains(chat.ChatId)));

    internal bool Covers(BatchFootprint batch) => _covers(batch);
}

/// <summary>The shops and chats an acknowledged batch has facts of, kept while it is uncommitted.</summary>
internal sealed class BatchFootprint
{
    private BatchFootprint(HashSet<string> shops, HashSet<(string ShopId, string ChatId)> chats, bool hasAgents)
    {
        Shops = shops;
        Chats = chats;
        HasAgents = hasAgents;
    }

    /// <summary>Shops with a chat, order or settings fact in the batch.</summary>
    public IReadOnlySet<string> Shops { get; }

    /// <summary>
    /// Whether the batch has agent facts, which <see cref="FactBatch.Touched"/> does not record (they change no chat's
    /// outcome); rare, so such a batch counts as one of every shop rather than being tracked apart.
    /// </summary>
    public bool HasAgents { get; }

    /// <summary>Chats, by shop, with a fact in the batch.</summary>
    public IReadOnlySet<(string ShopId, string ChatId)> Chats { get; }

    /// <summary>Read from <see cref="FactBatch.Touched"/>, which has an entry, with its shop, for every fact but agents'.</summary>
    public static BatchFootprint Of(FactBatch batch)
    {
        var shops = new HashSet<string>(StringComparer.Ordinal);
        var chats = new HashSet<(string, string)>();
        foreach (var (shopId, chatId, _) in batch.Touched)
        {
            shops.Add(shopId);
            if (chatId.Length > 0)
            {
                chats.Add((shopId, chatId));
            }
        }

        return new BatchFootprint(shops, chats, batch.NonEmptyTables.Any(rows => rows.Table == FactTables.Agents));
    }
}
