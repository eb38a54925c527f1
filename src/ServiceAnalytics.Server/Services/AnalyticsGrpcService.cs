using System.Globalization;
using Grpc.Core;
using ServiceAnalytics.Contracts.Query.V1;
using ServiceAnalytics.Storage.Metrics;

namespace ServiceAnalytics.Server.Services;

/// <summary>
/// <c>service_analytics.query.v1.AnalyticsService</c>: checks the request, finds the shop's calendar and maps
/// <see cref="OverviewQuery"/>'s figures to the page's metrics (definitions in docs/metrics.md).
/// </summary>
public sealed class AnalyticsGrpcService(OverviewQuery overview, TimeProvider clock) : AnalyticsService.AnalyticsServiceBase
{
    private const int MaxPeriodDays = 366;

    public override async Task<GetOverviewResponse> GetOverview(GetOverviewRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var period = Period(request.FirstDay, request.LastDay);
        var calendar = await FindShopAsync(request.ShopId, context.CancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var current = await overview.ReadAsync(request.ShopId, calendar, period, now, context.CancellationToken);
        var previous = await overview.ReadAsync(request.ShopId, calendar, period.Previous, now, context.CancellationToken);
        return new GetOverviewResponse
        {
            TimeZone = calendar.TimeZone.Id,
            Current = Metrics(period, current),
            Previous = Metrics(period.Previous, previous),
        };
    }

    private async Task<ShopCalendar> FindShopAsync(string shopId, CancellationToken cancellationToken)
    {
        if (shopId.Length is 0 or > 64)
        {
            throw GrpcErrors.InvalidArgument("shop_id", "is required, 1 to 64 characters");
        }

        return await overview.FindShopAsync(shopId, cancellationToken) ?? throw GrpcErrors.NotFound("shop", shopId);
    }

    private static DayPeriod Period(string firstDay, string lastDay)
    {
        var first = Day(firstDay, "first_day");
        var last = Day(lastDay, "last_day");
        if (last < first)
        {
            throw GrpcErrors.InvalidArgument("last_day", "must not be before first_day");
        }

        var period = new DayPeriod(first, last);
        return period.Days <= MaxPeriodDays
            ? period
            : throw GrpcErrors.InvalidArgument("last_day", $"a period is at most {MaxPeriodDays} days long, this one has {period.Days}");
    }

    private static DateOnly Day(string text, string field) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) && day.Year >= 2000
            ? day
            : throw GrpcErrors.InvalidArgument(field, "must be a date YYYY-MM-DD from the year 2000 on");

    private static PeriodMetrics Metrics(DayPeriod period, OverviewFigures figures)
    {
        var metrics = new PeriodMetrics
        {
            FirstDay = period.FirstDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            LastDay = period.LastDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ChatsReceived = figures.ChatsReceived,
            Inquiries = figures.InquiriesCounted,
            InquiriesAnsweredWithin24H = figures.InquiriesAnsweredWithin24h,
            InquiriesPending = figures.InquiriesPending,
            FirstResponsesMeasured = figures.FirstResponsesMeasured,
            ChatsRated = figures.ChatsRated,
            ChatsRated4Or5 = figures.ChatsRated4Or5,
            RatingDistribution = { figures.RatingDistribution },
            ConvertedChats = figures.ConvertedChats,
            PotentialCustomers = figures.PotentialCustomers,
            ConvertedCustomers = figures.ConvertedCustomers,
        };
        SetRate(figures.InquiriesAnsweredWithin24h, figures.InquiriesCounted, v => metrics.ResponseRate24H = v);
        SetRate(figures.ChatsRated4Or5, figures.ChatsReceived, v => metrics.SatisfactionRate = v);
        SetRate(figures.ChatsRated4Or5, figures.ChatsRated, v => metrics.SatisfactionRateOfRated = v);
        SetRate(figures.ChatsRated, figures.ChatsReceived, v => metrics.RatedShare = v);
        SetRate(figures.ConvertedChats, figures.ChatsReceived, v => metrics.ConversionRate = v);
        if (figures.FirstResponsesMeasured > 0)
        {
            metrics.FirstResponseMeanSeconds = figures.FirstResponseMeanSeconds!.Value;
            metrics.FirstResponseMedianSeconds = figures.FirstResponseMedianSeconds!.Value;
            metrics.FirstResponseP90Seconds = figures.FirstResponseP90Seconds!.Value;
        }

        return metrics;
    }

    /// <summary>A rate is set only when its denominator is not zero.</summary>
    private static void SetRate(long numerator, long denominator, Action<double> set)
    {
        if (denominator > 0)
        {
            set((double)numerator / denominator);
        }
    }
}
