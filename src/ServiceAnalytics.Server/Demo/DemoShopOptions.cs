namespace ServiceAnalytics.Server.Demo;

/// <summary>
/// The demo shop's size (configuration section <c>Demo</c>, e.g. <c>--Demo:ChatsPerDay=200</c> on the command line).
/// The rest — time zone, agents, tags, how chats go — is fixed in <see cref="DemoShop"/>, so a shop id and a day
/// always give the same facts.
/// </summary>
public sealed class DemoShopOptions
{
    public const string SectionName = "Demo";

    /// <summary>The shop the facts are for. Default: <c>demo-shop</c>.</summary>
    public string ShopId { get; set; } = "demo-shop";

    /// <summary>Local days of history before today. Default: 60.</summary>
    public int Days { get; set; } = 60;

    /// <summary>Chats a day on average (weekends bring a fifth more). Default: 60, about 3,800 chats over 60 days.</summary>
    public int ChatsPerDay { get; set; } = 60;

    /// <summary>Why these options cannot make a demo, or null when they can.</summary>
    public string? Problem() =>
        ShopId.Length is < 1 or > 64 || ShopId.Any(char.IsControl) ? "Demo:ShopId must be 1 to 64 printable characters"
        : Days is < 1 or > 365 ? "Demo:Days must be 1 to 365 (facts older than 400 days are refused)"
        : ChatsPerDay is < 1 or > 5_000 ? "Demo:ChatsPerDay must be 1 to 5000"
        : null;
}
