using ServiceAnalytics.Storage;

namespace ServiceAnalytics.Server.Demo;

/// <summary>
/// The demo shop's size (configuration section <c>Demo</c>, e.g. <c>--Demo:ChatsPerDay=200</c> on the command line).
/// The rest — time zone, agents, tags, how chats go — is fixed in <see cref="DemoShop"/>, so a shop id and a day
/// always give the same facts. The <c>demo</c> command checks the ranges before it loads anything
/// (<see cref="DemoShopOptionsValidator"/>).
/// </summary>
public sealed class DemoShopOptions
{
    public const string SectionName = "Demo";

    /// <summary>The shop the facts are for. Default: <c>demo-shop</c>; 1 to 64 printable characters.</summary>
    public string ShopId { get; set; } = "demo-shop";

    /// <summary>Local days of history before today. Default: 60; 1 to 365 (facts older than 400 days are refused).</summary>
    public int Days { get; set; } = 60;

    /// <summary>Chats a day on average (weekends bring a fifth more). Default: 60, about 3,800 chats over 60 days; 1 to 5,000.</summary>
    public int ChatsPerDay { get; set; } = 60;
}

/// <summary>The ranges of <see cref="DemoShopOptions"/>.</summary>
public sealed class DemoShopOptionsValidator() : RangeValidator<DemoShopOptions>(DemoShopOptions.SectionName)
{
    protected override void Check(OptionRanges ranges, DemoShopOptions options) => ranges
        .Check(options.ShopId.Length is >= 1 and <= 64 && !options.ShopId.Any(char.IsControl), nameof(options.ShopId), "must be 1 to 64 printable characters")
        .Int(nameof(options.Days), options.Days, 1, 365)
        .Int(nameof(options.ChatsPerDay), options.ChatsPerDay, 1, 5_000);
}
