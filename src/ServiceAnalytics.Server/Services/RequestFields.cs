using System.Globalization;
using ServiceAnalytics.Contracts.Query.V1;
using ServiceAnalytics.Storage.Outcomes;
using ServiceAnalytics.Storage.Queries;

namespace ServiceAnalytics.Server.Services;

/// <summary>
/// The checks of the query and operations requests' fields: each returns the checked value or throws
/// INVALID_ARGUMENT naming the field (<see cref="GrpcErrors.InvalidArgument"/>).
/// </summary>
internal static class RequestFields
{
    /// <summary>Longest period a request may name, in days.</summary>
    public const int MaxPeriodDays = 366;

    /// <summary>Rows of an All Chats page when the request asks for none.</summary>
    public const int DefaultPageSize = 50;

    /// <summary>Most rows of an All Chats page.</summary>
    public const int MaxPageSize = 200;

    /// <summary>
    /// Days a period may name: facts are at most 400 days old and minutes in the future, so these hold every day
    /// with data, and keep every instant a period computes (its end, its previous period, the customer window)
    /// inside what .NET and ClickHouse's <c>Date</c> hold.
    /// </summary>
    private static readonly DateOnly s_firstDay = new(2000, 1, 1);

    private static readonly DateOnly s_lastDay = new(2100, 12, 31);

    /// <summary>The period of <c>first_day</c> to <c>last_day</c>: two dates in order, at most <see cref="MaxPeriodDays"/> days apart.</summary>
    public static DayPeriod Period(string firstDay, string lastDay)
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

    /// <summary>An All Chats page size: 1 to <see cref="MaxPageSize"/>, or 0 for <see cref="DefaultPageSize"/>.</summary>
    public static int PageSize(int pageSize) => pageSize switch
    {
        0 => DefaultPageSize,
        >= 1 and <= MaxPageSize => pageSize,
        _ => throw GrpcErrors.InvalidArgument("page_size", $"must be 1 to {MaxPageSize}, or 0 for {DefaultPageSize}"),
    };

    /// <summary>A <paramref name="field"/> counting rows: 1 to <paramref name="maximum"/>, or 0 for <paramref name="fallback"/>.</summary>
    public static int Limit(int value, string field, int fallback, int maximum, string rule) => value switch
    {
        0 => fallback,
        >= 1 when value <= maximum => value,
        _ => throw GrpcErrors.InvalidArgument(field, rule),
    };

    /// <summary>A shop id: required, 1 to 64 characters.</summary>
    public static string ShopId(string shopId) =>
        shopId.Length is 0 or > 64 ? throw GrpcErrors.InvalidArgument("shop_id", "is required, 1 to 64 characters") : shopId;

    /// <summary>Required text of 1 to 64 characters (chat, agent and request ids, tags).</summary>
    public static string Text(string value, string field) =>
        value.Length is >= 1 and <= 64 ? value : throw GrpcErrors.InvalidArgument(field, "must be 1 to 64 characters");

    /// <summary>An agent id, or empty for "unassigned" (the AgentDetails entry without an agent).</summary>
    public static string AgentOrUnassigned(string value, string field) =>
        value.Length <= 64 ? value : throw GrpcErrors.InvalidArgument(field, "must be at most 64 characters");

    /// <summary>A specified value of a proto enum, as its stored code (<see cref="ProtoEnums.Code"/>).</summary>
    public static string Known<TEnum>(TEnum value, string field)
        where TEnum : struct, System.Enum =>
        ProtoEnums.IsSpecified(value) ? ProtoEnums.Code(value) : throw GrpcErrors.InvalidArgument(field, "is not a known value");

    /// <summary>The All Chats filter of a list or export request, each value checked.</summary>
    public static ChatListFilter Filter(IChatListRequest request) => new(
        [.. request.ChatTypes.Select((t, i) => Known(t, $"chat_types[{i}]"))],
        [.. request.Tags.Select((t, i) => Text(t, $"tags[{i}]"))],
        [.. request.AgentIds.Select((a, i) => Text(a, $"agent_ids[{i}]"))],
        [.. request.Statuses.Select((s, i) => Known(s, $"statuses[{i}]"))],
        request.CustomerId.Length == 0 ? "" : Text(request.CustomerId, "customer_id"),
        // The drill-down agent filters take an AgentDetails.agent_id as it is: empty for "unassigned".
        [.. request.HandledByAgentIds.Select((a, i) => AgentOrUnassigned(a, $"handled_by_agent_ids[{i}]"))])
    {
        Ratings = [.. request.Ratings.Select((r, i) => r is >= 1 and <= 5 ? r : throw GrpcErrors.InvalidArgument($"ratings[{i}]", "must be 1 to 5"))],
        InquiryOutcomes = [.. request.InquiryOutcomes.Select((o, i) => Known(o, $"inquiry_outcomes[{i}]"))],
        InquiryAgents = [.. request.InquiryAgentIds.Select((a, i) => AgentOrUnassigned(a, $"inquiry_agent_ids[{i}]"))],
        TransferDirections = [.. request.TransferDirections.Select((d, i) => Known(d, $"transfer_directions[{i}]"))],
        TransferAgents = [.. request.TransferAgentIds.Select((a, i) => AgentOrUnassigned(a, $"transfer_agent_ids[{i}]"))],
    };

    private static DateOnly Day(string text, string field) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) && day >= s_firstDay && day <= s_lastDay
            ? day
            : throw GrpcErrors.InvalidArgument(field, "must be a date YYYY-MM-DD from 2000-01-01 to 2100-12-31");
}
