using System.Globalization;
using Grpc.Core;
using Google.Protobuf.WellKnownTypes;
using ServiceAnalytics.Contracts.Ingest.V1;
using ServiceAnalytics.Contracts.Query.V1;
using ServiceAnalytics.Server.Ingestion;
using ServiceAnalytics.Server.Security;
using ServiceAnalytics.Storage.Outcomes;
using ServiceAnalytics.Storage.Queries;

namespace ServiceAnalytics.Server.Services;

/// <summary>
/// <c>service_analytics.query.v1.AnalyticsService</c>: checks the request, finds the shop's calendar and maps
/// <see cref="MetricQueries"/>' figures and rows to the page's metrics (definitions in docs/metrics.md).
/// </summary>
public sealed class AnalyticsGrpcService(MetricQueries queries, ChatQueries chats, FactIngestor ingestor, PageTokens pageTokens, TimeProvider clock)
    : AnalyticsService.AnalyticsServiceBase
{
    /// <summary>The instant this request's figures are of (<see cref="MetricQueries.AnswerInstantAsync"/>).</summary>
    private ValueTask<DateTime> AnswerInstantAsync(CancellationToken cancellationToken) =>
        queries.AnswerInstantAsync(clock.GetUtcNow().UtcDateTime, cancellationToken);

    private static Google.Protobuf.WellKnownTypes.Timestamp Utc(DateTime instant) =>
        Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.SpecifyKind(instant, DateTimeKind.Utc));

    /// <summary>How far back the SLA queue looks for chats with pending inquiries.</summary>
    private const int SlaLookbackDays = 30;

    private const int MaxPeriodDays = 366;
    private const int DefaultPageSize = 50;
    private const int MaxPageSize = 200;

    public override async Task<GetOverviewResponse> GetOverview(GetOverviewRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var (period, calendar) = await ScopeAsync(request.ShopId, request.FirstDay, request.LastDay, context.CancellationToken);
        var asOf = await AnswerInstantAsync(context.CancellationToken);
        var overviews = await queries.ReadOverviewsAsync(request.ShopId, calendar, [period, period.Previous], asOf, context.CancellationToken);
        var (current, previous) = (overviews[0], overviews[1]);
        return new GetOverviewResponse
        {
            AsOf = Utc(asOf),
            TimeZone = calendar.TimeZone.Id,
            Current = Metrics(period, current),
            Previous = Metrics(period.Previous, previous),
        };
    }

    public override async Task<GetDailyTrendsResponse> GetDailyTrends(GetDailyTrendsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var (period, calendar) = await ScopeAsync(request.ShopId, request.FirstDay, request.LastDay, context.CancellationToken);
        var asOf = await AnswerInstantAsync(context.CancellationToken);
        var days = await queries.ReadDailyAsync(request.ShopId, calendar, period, asOf, context.CancellationToken);
        var response = new GetDailyTrendsResponse { AsOf = Utc(asOf) };
        response.Days.Add(days.Select(d => Metrics(new DayPeriod(d.Day, d.Day), d.Figures)));
        return response;
    }

    public override async Task<GetStatusBreakdownResponse> GetStatusBreakdown(GetStatusBreakdownRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var (period, calendar) = await ScopeAsync(request.ShopId, request.FirstDay, request.LastDay, context.CancellationToken);
        var asOf = await AnswerInstantAsync(context.CancellationToken);
        var figures = await queries.ReadBreakdownAsync(request.ShopId, calendar, period, asOf, context.CancellationToken);
        return new GetStatusBreakdownResponse
        {
            AsOf = Utc(asOf),
            Responded24H = figures.Responded24h,
            RespondedLate = figures.RespondedLate,
            NonResponded = figures.NonResponded,
            Pending = figures.Pending,
            AssistantSolved = figures.AssistantSolved,
            NoInquiry = figures.NoInquiry,
        };
    }

    public override async Task<ListChatsResponse> ListChats(ListChatsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var period = Period(request.FirstDay, request.LastDay);
        var pageSize = request.PageSize switch
        {
            0 => DefaultPageSize,
            >= 1 and <= MaxPageSize => request.PageSize,
            _ => throw GrpcErrors.InvalidArgument("page_size", $"must be 1 to {MaxPageSize}, or 0 for {DefaultPageSize}"),
        };
        var filter = Filter(request);
        // Every filter enters the fingerprint, each list behind its count, so a token cannot move to other filters.
        var fingerprint = Fingerprint([request.ShopId, request.FirstDay, request.LastDay, filter.CustomerId],
            filter.ChatTypes, filter.Tags, filter.Agents, filter.Statuses, filter.HandledBy,
            [.. filter.Ratings.Select(r => r.ToString(CultureInfo.InvariantCulture))], filter.InquiryOutcomes, filter.InquiryAgents,
            filter.TransferDirections, filter.TransferAgents);
        var after = request.PageToken.Length == 0
            ? null
            : pageTokens.Read(request.PageToken, fingerprint) ?? throw GrpcErrors.InvalidArgument("page_token", "is not a token issued for this request");
        var calendar = await FindShopAsync(request.ShopId, context.CancellationToken);

        var asOf = await AnswerInstantAsync(context.CancellationToken);
        var page = await queries.ListChatsAsync(request.ShopId, calendar, period, asOf, filter, after, pageSize + 1, context.CancellationToken);
        var rows = page.Rows;
        var response = new ListChatsResponse
        {
            AsOf = Utc(asOf),
            Total = page.Total,
            MatchingInquiries = page.MatchingInquiries,
            MatchingTransfers = page.MatchingTransfers,
            Customers = page.Customers,
        };
        response.Chats.Add(rows.Take(pageSize).Select(Row));

        if (rows.Count > pageSize)
        {
            var last = rows[pageSize - 1];
            response.NextPageToken = pageTokens.Issue(request.ShopId, new ChatListCursor(last.ReceivedAt, last.ChatId), fingerprint);
        }

        return response;
    }

    /// <summary>
    /// All Chats as CSV: every row of the filter, read from the store in day slices of about
    /// <see cref="MetricQueries.ExportSliceChats"/> chats (<see cref="MetricQueries.ExportChatsAsync"/>) and sent in
    /// chunks of whole records (<see cref="ChatCsv"/>), so memory follows a slice and a chunk, not the list's length. The filter is checked
    /// and mapped as for <see cref="ListChats"/>, and each row is the <see cref="ChatRow"/> the list would show.
    /// </summary>
    public override async Task ExportChats(ExportChatsRequest request, IServerStreamWriter<Google.Api.HttpBody> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var period = Period(request.FirstDay, request.LastDay);
        var filter = Filter(request);
        var calendar = await FindShopAsync(request.ShopId, context.CancellationToken);
        var asOf = await AnswerInstantAsync(context.CancellationToken);
        var http = context.GetHttpContext();
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{ChatCsv.FileName(request.ShopId, period)}\"";
        var csv = new ChatCsv();
        var sent = false;
        try
        {
            await foreach (var row in queries.ExportChatsAsync(request.ShopId, calendar, period, asOf, filter, context.CancellationToken))
            {
                csv.Append(Row(row));
                if (csv.IsFull)
                {
                    await responseStream.WriteAsync(csv.Take(), context.CancellationToken);
                    sent = true;
                }
            }

            if (!csv.IsEmpty)
            {
                await responseStream.WriteAsync(csv.Take(), context.CancellationToken);
            }
        }
        catch (Exception) when (sent)
        {
            // Part of the file is out with a success status: only a broken transfer tells the client it is not whole.
            http.Abort();
            throw;
        }
    }

    public override async Task<GetAgentDetailsResponse> GetAgentDetails(GetAgentDetailsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var (period, calendar) = await ScopeAsync(request.ShopId, request.FirstDay, request.LastDay, context.CancellationToken);
        var asOf = await AnswerInstantAsync(context.CancellationToken);
        var response = new GetAgentDetailsResponse { AsOf = Utc(asOf) };
        foreach (var agent in await queries.ReadAgentsAsync(request.ShopId, calendar, period, asOf, context.CancellationToken))
        {
            var details = new AgentDetails
            {
                AgentId = agent.AgentId,
                DisplayName = agent.DisplayName,
                ChatsHandled = agent.ChatsHandled,
                InquiriesAnswered = agent.InquiriesAnswered,
                AnsweredWithin24H = agent.AnsweredWithin24h,
                AnsweredLate = agent.AnsweredLate,
                NonResponded = agent.NonResponded,
                ChatsRated = agent.ChatsRated,
                ChatsRated4Or5 = agent.ChatsRated4Or5,
                TransfersIn = agent.TransfersIn,
                TransfersOut = agent.TransfersOut,
            };
            SetRate(agent.AnsweredWithin24h, agent.InquiriesAnswered + agent.NonResponded, v => details.ResponseRate24H = v);
            SetRate(agent.ChatsRated4Or5, agent.ChatsHandled, v => details.SatisfactionRate = v);
            if (agent.ResponseMeanSeconds is { } mean && agent.ResponseP90Seconds is { } p90)
            {
                details.ResponseMeanSeconds = mean;
                details.ResponseP90Seconds = p90;
            }

            response.Agents.Add(details);
        }

        return response;
    }

    public override async Task<GetTagBreakdownResponse> GetTagBreakdown(GetTagBreakdownRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var (period, calendar) = await ScopeAsync(request.ShopId, request.FirstDay, request.LastDay, context.CancellationToken);
        var asOf = await AnswerInstantAsync(context.CancellationToken);
        var response = new GetTagBreakdownResponse { AsOf = Utc(asOf) };
        foreach (var tag in await queries.ReadTagBreakdownAsync(request.ShopId, calendar, period, asOf, context.CancellationToken))
        {
            var details = new TagDetails
            {
                Tag = tag.Tag,
                Chats = tag.Chats,
                AssistantSolved = tag.AssistantSolved,
                HumanHandled = tag.HumanHandled,
                Inquiries = tag.InquiriesCounted,
                AnsweredWithin24H = tag.AnsweredWithin24h,
                ConvertedChats = tag.Converted,
            };
            SetRate(tag.AnsweredWithin24h, tag.InquiriesCounted, v => details.ResponseRate24H = v);
            SetRate(tag.Converted, tag.Chats, v => details.ConversionRate = v);
            response.Tags.Add(details);
        }

        return response;
    }

    public override async Task<GetChatResponse> GetChat(GetChatRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var chatId = Text(request.ChatId, "chat_id");
        await FindShopAsync(request.ShopId, context.CancellationToken);
        var timeline = await chats.ReadTimelineAsync(request.ShopId, chatId, context.CancellationToken);
        if (timeline.Count == 0)
        {
            throw GrpcErrors.NotFound("chat", chatId);
        }

        var response = new GetChatResponse { ChatId = chatId };
        response.Timeline.Add(timeline.Select(f => new ChatTimelineEntry
        {
            EventId = f.EventId,
            OccurredAt = Timestamp.FromDateTime(DateTime.SpecifyKind(f.OccurredAt, DateTimeKind.Utc)),
            Kind = f.Kind,
            MessageId = f.MessageId,
            SenderRole = f.SenderRole,
            MessageKind = f.MessageKind,
            AgentId = f.AgentId,
            FromAgentId = f.FromAgentId,
            Tags = { f.Tags },
            ResolvedBy = f.ResolvedBy,
            Stars = f.Stars,
            ExpectsNoReply = f.ExpectsNoReply,
        }));
        return response;
    }

    /// <summary>
    /// Transfers in progress, per shop and chat and per shop and request id: process-wide, since the service object is
    /// created per call.
    /// </summary>
    private static readonly KeyedLocks s_transfers = new();

    /// <summary>
    /// Records a transfer as a <c>ChatAssigned</c> fact through the ingestion path, under the event id
    /// <c>transfer:{request_id}</c>: a repeated request finds its transfer already recorded and answers with it. The
    /// check and the recording hold the chat's and the request id's locks until the fact is committed, so copies of a
    /// request racing each other record one transfer and all answer with it, and a request id is never used on two
    /// chats (event ids are unique per shop): reused on another chat it is refused.
    /// </summary>
    public override async Task<TransferChatResponse> TransferChat(TransferChatRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var chatId = Text(request.ChatId, "chat_id");
        var toAgent = Text(request.ToAgentId, "to_agent_id");
        var eventId = "transfer:" + Text(request.RequestId, "request_id");
        await FindShopAsync(request.ShopId, context.CancellationToken);
        using var held = await s_transfers.AcquireAsync(
            [KeyedLocks.Key("chat", request.ShopId, chatId), KeyedLocks.Key("request", request.ShopId, eventId)], context.CancellationToken);
        if (await chats.FindAssignmentAsync(request.ShopId, chatId, eventId, context.CancellationToken) is { } recorded)
        {
            return recorded.ChatId == chatId
                ? Transferred(recorded.FromAgent, recorded.ToAgent, recorded.At)
                : throw GrpcErrors.InvalidArgument("request_id", $"'{request.RequestId}' already names the transfer of chat '{recorded.ChatId}'; use a new request id for each transfer");
        }

        var state = await chats.ReadChatStateAsync(request.ShopId, chatId, context.CancellationToken) ?? throw GrpcErrors.NotFound("chat", chatId);
        if (state.Ended || state.Resolved)
        {
            throw GrpcErrors.FailedPrecondition("chat_id", $"chat '{chatId}' is {(state.Ended ? "ended" : "resolved")}; only active, unresolved chats can be transferred");
        }

        var active = await chats.IsAgentActiveAsync(request.ShopId, toAgent, context.CancellationToken) ?? throw GrpcErrors.NotFound("agent", toAgent);
        if (!active)
        {
            throw GrpcErrors.FailedPrecondition("to_agent_id", $"agent '{toAgent}' is not active");
        }

        if (state.CurrentAgent == toAgent)
        {
            throw GrpcErrors.FailedPrecondition("to_agent_id", $"chat '{chatId}' is already assigned to '{toAgent}'");
        }

        // Stored with millisecond precision; answer with what is stored, so a repeated request gets the same answer.
        var now = clock.GetUtcNow().UtcDateTime;
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
        var fact = new Fact
        {
            EventId = eventId,
            ShopId = request.ShopId,
            OccurredAt = Timestamp.FromDateTime(now),
            ChatAssigned = new ChatAssigned { ChatId = chatId, FromAgentId = state.CurrentAgent, ToAgentId = toAgent },
        };
        // Not cancelled with the call: the locks are held until the pipeline is done with the fact, which it writes
        // even when its caller goes away, so a copy of this request waiting for them finds it.
        var outcome = await ingestor.IngestAsync([fact], CancellationToken.None);
        if (outcome.Rejected.Count > 0)
        {
            throw GrpcErrors.InvalidArgument(outcome.Rejected[0].Field.Replace("chat_assigned.", "", StringComparison.Ordinal), outcome.Rejected[0].Reason);
        }

        return Transferred(state.CurrentAgent, toAgent, now);
    }

    public override async Task<GetSlaQueueResponse> GetSlaQueue(GetSlaQueueRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var limit = request.Limit switch
        {
            0 => 100,
            >= 1 and <= 500 => request.Limit,
            _ => throw GrpcErrors.InvalidArgument("limit", "must be 1 to 500, or 0 for 100"),
        };
        var calendar = await FindShopAsync(request.ShopId, context.CancellationToken);
        var rows = await chats.ReadSlaQueueAsync(request.ShopId, calendar, clock.GetUtcNow().UtcDateTime, SlaLookbackDays, limit, context.CancellationToken);
        var response = new GetSlaQueueResponse();
        response.Inquiries.Add(rows.Select(r => new PendingInquiry
        {
            ChatId = r.ChatId,
            CustomerId = r.CustomerId,
            AskedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(r.AskedAt, DateTimeKind.Utc)),
            SecondsLeft = r.SecondsLeft,
            CurrentAgentId = r.CurrentAgent,
        }));
        return response;
    }

    public override Task<GetCallerResponse> GetCaller(GetCallerRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var caller = context.GetHttpContext().User;
        var shops = caller.FindAll(CallerClaims.Shop).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        var allShops = shops.Contains(CallerClaims.AllShops);
        var response = new GetCallerResponse { CallerName = caller.CallerName(), AllShops = allShops };
        response.Scopes.Add(caller.FindAll(CallerClaims.Scope).Select(c => c.Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        if (!allShops)
        {
            response.ShopIds.Add(shops.Order(StringComparer.Ordinal));
        }

        return Task.FromResult(response);
    }

    private static TransferChatResponse Transferred(string from, string to, DateTime at) => new()
    {
        FromAgentId = from,
        ToAgentId = to,
        TransferredAt = Timestamp.FromDateTime(DateTime.SpecifyKind(at, DateTimeKind.Utc)),
    };

    /// <summary>The All Chats filter of a list or export request, each value checked (INVALID_ARGUMENT naming the field).</summary>
    private static ChatListFilter Filter(IChatListRequest request) => new(
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

    /// <summary>A chat of the All Chats list as the list and the export show it.</summary>
    private static ChatRow Row(ChatListRow row)
    {
        var chat = new ChatRow
        {
            ChatId = row.ChatId,
            CustomerId = row.CustomerId,
            ReceivedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.SpecifyKind(row.ReceivedAt, DateTimeKind.Utc)),
            Status = ProtoEnums.FromCode<ChatStatus>(row.Status),
            Type = ProtoEnums.FromCode<ChatType>(row.ChatType),
            Tags = { row.Tags },
            CurrentAgentId = row.CurrentAgent,
            Rating = row.Stars,
            Converted = row.Converted,
            MatchingInquiries = row.MatchingInquiries,
            MatchingTransfers = row.MatchingTransfers,
        };
        if (row.FirstResponseSeconds is { } seconds)
        {
            chat.FirstResponseSeconds = seconds;
        }

        return chat;
    }

    /// <summary>An unambiguous text of a request's identity: each value length-prefixed, each list sorted.</summary>
    private static string Fingerprint(IReadOnlyList<string> values, params IReadOnlyList<string>[] lists)
    {
        var text = new System.Text.StringBuilder();
        foreach (var value in values.Concat(lists.SelectMany(list => list.Order(StringComparer.Ordinal).Prepend(list.Count.ToString(CultureInfo.InvariantCulture)))))
        {
            text.Append(value.Length).Append(':').Append(value);
        }

        return text.ToString();
    }

    private static string Known<TEnum>(TEnum value, string field)
        where TEnum : struct, System.Enum =>
        ProtoEnums.IsSpecified(value) ? ProtoEnums.Code(value) : throw GrpcErrors.InvalidArgument(field, "is not a known value");

    /// <summary>An agent id, or empty for "unassigned" (the AgentDetails entry without an agent).</summary>
    private static string AgentOrUnassigned(string value, string field) =>
        value.Length <= 64 ? value : throw GrpcErrors.InvalidArgument(field, "must be at most 64 characters");

    private static string Text(string value, string field) =>
        value.Length is >= 1 and <= 64 ? value : throw GrpcErrors.InvalidArgument(field, "must be 1 to 64 characters");

    /// <summary>The checked period and the shop's calendar every period RPC starts from.</summary>
    private async Task<(DayPeriod Period, ShopCalendar Calendar)> ScopeAsync(string shopId, string firstDay, string lastDay, CancellationToken cancellationToken)
    {
        var period = Period(firstDay, lastDay);
        return (period, await FindShopAsync(shopId, cancellationToken));
    }

    private async Task<ShopCalendar> FindShopAsync(string shopId, CancellationToken cancellationToken)
    {
        if (shopId.Length is 0 or > 64)
        {
            throw GrpcErrors.InvalidArgument("shop_id", "is required, 1 to 64 characters");
        }

        return await queries.FindShopAsync(shopId, cancellationToken) ?? throw GrpcErrors.NotFound("shop", shopId);
    }

    internal static DayPeriod Period(string firstDay, string lastDay)
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

    /// <summary>
    /// Days a period may name: facts are at most 400 days old and minutes in the future, so these hold every day
    /// with data, and keep every instant a period computes (its end, its previous period, the customer window)
    /// inside what .NET and ClickHouse's <c>Date</c> hold.
    /// </summary>
    private static readonly DateOnly s_firstDay = new(2000, 1, 1);

    private static readonly DateOnly s_lastDay = new(2100, 12, 31);

    private static DateOnly Day(string text, string field) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) && day >= s_firstDay && day <= s_lastDay
            ? day
            : throw GrpcErrors.InvalidArgument(field, "must be a date YYYY-MM-DD from 2000-01-01 to 2100-12-31");

    private static PeriodMetrics Metrics(DayPeriod period, OverviewFigures overview)
    {
        var figures = overview.Headline;
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
            PotentialCustomers = overview.PotentialCustomers,
            ConvertedCustomers = overview.ConvertedCustomers,
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
