namespace ServiceAnalytics.Storage.Rollups;

/// <summary>
/// Which chats of its days a run recomputes from the facts (docs/rollups.md): every chat (<see cref="Every"/>), every
/// chat of some shops (<see cref="OfShops"/>), or only the chats changed since a mark (<see cref="ChangedSince"/>);
/// every other row of its months is kept as it is.
/// </summary>
internal sealed record RollupChats(IReadOnlyList<string>? Shops, DateTime? Since)
{
    /// <summary>Every chat of every shop: the scheduled run, a recomputation.</summary>
    public static RollupChats Every { get; } = new(null, null);

    /// <summary>Every chat of <paramref name="shops"/>: a backfill.</summary>
    public static RollupChats OfShops(IReadOnlyList<string> shops) => new(shops, null);

    /// <summary>
    /// The chats whose rows went out of date since <paramref name="since"/> (<see cref="RollupSelection.WriteChangedChatsAsync"/>):
    /// a refresh.
    /// </summary>
    public static RollupChats ChangedSince(DateTime since) => new(null, since);
}
