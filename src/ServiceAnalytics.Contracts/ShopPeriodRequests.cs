namespace ServiceAnalytics.Contracts.Query.V1;

/// <summary>
/// A request for a shop's figures over a period of local days, as every period RPC carries it, so the service
/// checks it and answers it in one place whichever RPC it came with.
/// </summary>
public interface IShopPeriodRequest
{
    string ShopId { get; }

    string FirstDay { get; }

    string LastDay { get; }
}

/// <summary>The overview: a shop and period.</summary>
public sealed partial class GetOverviewRequest : IShopPeriodRequest;

/// <summary>The daily trends: a shop and period.</summary>
public sealed partial class GetDailyTrendsRequest : IShopPeriodRequest;

/// <summary>The status breakdown: a shop and period.</summary>
public sealed partial class GetStatusBreakdownRequest : IShopPeriodRequest;

/// <summary>The agent table: a shop and period.</summary>
public sealed partial class GetAgentDetailsRequest : IShopPeriodRequest;

/// <summary>The tag breakdown: a shop and period.</summary>
public sealed partial class GetTagBreakdownRequest : IShopPeriodRequest;
