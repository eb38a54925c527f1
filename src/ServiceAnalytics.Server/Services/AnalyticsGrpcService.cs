using Grpc.Core;
using ServiceAnalytics.Contracts.Query.V1;
using ServiceAnalytics.Server.Ingestion;
using ServiceAnalytics.Server.Security;
using ServiceAnalytics.Storage;
using ServiceAnalytics.Storage.Outcomes;
using ServiceAnalytics.Storage.Queries;

namespace ServiceAnalytics.Server.Services;

/// <summary>
/// <c>service_analytics.query.v1.AnalyticsService</c>: each RPC checks its request (<see cref="RequestFields"/>),
/// finds the shop's calendar, calls <see cref="MetricQueries"/> or <see cref="ChatQueries"/> and maps what they
/// return (<see cref="QueryResponses"/>; definitions in docs/metrics.md). Transfers are <see cref="ChatTransfer"/>'s.
/// </summary>
internal sealed class AnalyticsGrpcService(
    MetricQueries queries, ChatQueries chats, ChatTransfer transfer, PageTokens pageTokens, FactVisibility visibility, TimeProvider clock)
    : AnalyticsService.AnalyticsServiceBase
{
    /// <summary>How far back the SLA queue looks for chats with pending inquiries.</summary>
    private const int SlaLookbackDays = 30;

    /// <summary>
    /// The instant this request's figures are of (<see cref="MetricQueries.AnswerInstantAsync"/>). Answered as of the
    /// request itself, it first waits for the shop's batches acknowledged before it (<see cref="FactVisibility"/>); a
    /// snapshot's answer needs not: its run waited before it read.
    /// </summary>
    private async ValueTask<DateTime> AnswerInstantAsync(string shopId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var asOf = await queries.AnswerInstantAsync(now, cancellationToken);
        if (asOf == Instants.ToMilliseconds(now))
        {
            await visibility.WaitForAcknowledgedAsync(FactScope.Shop(shopId), cancellationToken);
        }

        return asOf;
    }

    public override Task<GetOverviewResponse> GetOverview(GetOverviewRequest request, ServerCallContext context) =>
        AnswerForPeriodAsync(
            request, context,
            (shopId, calendar, period, asOf, ct) => queries.ReadOverviewsAsync(shopId, calendar, [period, period.Previous], asOf, ct),
            (scope, overviews) => new GetOverviewResponse
            {
                AsOf = ProtoTime.Utc(scope.AsOf),
                TimeZone = scope.Calendar.TimeZone.Id,
                Current = QueryResponses.Metrics(scope.Period, overviews[0]),
                Previous = QueryResponses.Metrics(scope.Period.Previous, overviews[1]),
            });

    public override Task<GetDailyTrendsResponse> GetDailyTrends(GetDailyTrendsRequest request, ServerCallContext context) =>
        AnswerForPeriodAsync(
            request, context, queries.ReadDailyAsync,
            (scope, days) => new GetDailyTrendsResponse
            {
                AsOf = ProtoTime.Utc(scope.AsOf),
                Days = { days.Select(d => QueryResponses.Metrics(new DayPeriod(d.Day, d.Day), d.Figures)) },
            });

    public override Task<GetStatusBreakdownResponse> GetStatusBreakdown(GetStatusBreakdownRequest request, ServerCallContext context) =>
        AnswerForPeriodAsync(
            request, context, queries.ReadBreakdownAsync,
            (scope, figures) => QueryResponses.Breakdown(scope.AsOf, figures));

    public override async Task<ListChatsResponse> ListChats(ListChatsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var period = RequestFields.Period(request.FirstDay, request.LastDay);
        var pageSize = RequestFields.PageSize(request.PageSize);
        var filter = RequestFields.Filter(request);
        var fingerprint = PageTokens.Fingerprint(request, filter);
        var after = request.PageToken.Length == 0
            ? null
            : pageTokens.Read(request.PageToken, fingerprint) ?? throw GrpcErrors.InvalidArgument("page_token", "is not a token issued for this request");
        // The instant first: answered as of the request, it waits for acknowledged facts, the shop's settings among them.
        var asOf = await AnswerInstantAsync(request.ShopId, context.CancellationToken);
        var calendar = await FindShopAsync(request.ShopId, context.CancellationToken);
        var page = await queries.ListChatsAsync(request.ShopId, calendar, period, asOf, filter, after, pageSize + 1, context.CancellationToken);
        var rows = page.Rows;
        var response = new ListChatsResponse
        {
            AsOf = ProtoTime.Utc(asOf),
            Total = page.Total,
            MatchingInquiries = page.MatchingInquiries,
            MatchingTransfers = page.MatchingTransfers,
            Customers = page.Customers,
        };
        response.Chats.Add(rows.Take(pageSize).Select(QueryResponses.Row));

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
        var period = RequestFields.Period(request.FirstDay, request.LastDay);
        var filter = RequestFields.Filter(request);
        var asOf = await AnswerInstantAsync(request.ShopId, context.CancellationToken);
        var calendar = await FindShopAsync(request.ShopId, context.CancellationToken);
        var http = context.GetHttpContext();
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{ChatCsv.FileName(request.ShopId, period)}\"";
        var csv = new ChatCsv();
        var sent = false;
        try
        {
            await foreach (var row in queries.ExportChatsAsync(request.ShopId, calendar, period, asOf, filter, context.CancellationToken))
            {
                csv.Append(QueryResponses.Row(row));
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

    public override Task<GetAgentDetailsResponse> GetAgentDetails(GetAgentDetailsRequest request, ServerCallContext context) =>
        AnswerForPeriodAsync(
            request, context, queries.ReadAgentsAsync,
            (scope, agents) => new GetAgentDetailsResponse { AsOf = ProtoTime.Utc(scope.AsOf), Agents = { agents.Select(QueryResponses.Agent) } });

    public override Task<GetTagBreakdownResponse> GetTagBreakdown(GetTagBreakdownRequest request, ServerCallContext context) =>
        AnswerForPeriodAsync(
            request, context, queries.ReadTagBreakdownAsync,
            (scope, tags) => new GetTagBreakdownResponse { AsOf = ProtoTime.Utc(scope.AsOf), Tags = { tags.Select(QueryResponses.Tag) } });

    public override async Task<GetChatResponse> GetChat(GetChatRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var chatId = RequestFields.Text(request.ChatId, "chat_id");
        await FindShopAsync(request.ShopId, context.CancellationToken);
        await visibility.WaitForAcknowledgedAsync(FactScope.Chat(request.ShopId, chatId), context.CancellationToken);
        var timeline = await chats.ReadTimelineAsync(request.ShopId, chatId, context.CancellationToken);
        if (timeline.Count == 0)
        {
            throw GrpcErrors.NotFound("chat", chatId);
        }

        var response = new GetChatResponse { ChatId = chatId };
        response.Timeline.Add(timeline.Select(QueryResponses.TimelineEntry));
        return response;
    }

    /// <summary>Records a transfer once per request id (<see cref="ChatTransfer"/>).</summary>
    public override async Task<TransferChatResponse> TransferChat(TransferChatRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var chatId = RequestFields.Text(request.ChatId, "chat_id");
        var toAgent = RequestFields.Text(request.ToAgentId, "to_agent_id");
        var requestId = RequestFields.Text(request.RequestId, "request_id");
        await FindShopAsync(request.ShopId, context.CancellationToken);
        var order = new TransferOrder(request.ShopId, chatId, toAgent, requestId);
        return QueryResponses.Transferred(await transfer.TransferAsync(order, context.CancellationToken));
    }

    public override async Task<GetSlaQueueResponse> GetSlaQueue(GetSlaQueueRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var limit = RequestFields.Limit(request.Limit, "limit", fallback: 100, maximum: 500, "must be 1 to 500, or 0 for 100");
        var now = clock.GetUtcNow().UtcDateTime;
        await visibility.WaitForAcknowledgedAsync(FactScope.Shop(request.ShopId), context.CancellationToken);
        var calendar = await FindShopAsync(request.ShopId, context.CancellationToken);
        var rows = await chats.ReadSlaQueueAsync(request.ShopId, calendar, now, SlaLookbackDays, limit, context.CancellationToken);
        var response = new GetSlaQueueResponse();
        response.Inquiries.Add(rows.Select(QueryResponses.Pending));
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

    /// <summary>
    /// Every period RPC: checks the period, finds the shop, fixes the instant the answer is of, reads the figures
    /// (<paramref name="read"/> takes the shop, its calendar, the period and that instant, as the query store's reads do)
    /// and maps them to the response.
    /// </summary>
    private async Task<TResponse> AnswerForPeriodAsync<TFigures, TResponse>(
        IShopPeriodRequest request, ServerCallContext context,
        Func<string, ShopCalendar, DayPeriod, DateTime, CancellationToken, Task<TFigures>> read, Func<PeriodScope, TFigures, TResponse> map)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var period = RequestFields.Period(request.FirstDay, request.LastDay);
        // The instant first: answered as of the request, it waits for acknowledged facts, the shop's settings among them.
        var asOf = await AnswerInstantAsync(request.ShopId, context.CancellationToken);
        var scope = new PeriodScope(period, await FindShopAsync(request.ShopId, context.CancellationToken), asOf);
        return map(scope, await read(request.ShopId, scope.Calendar, period, scope.AsOf, context.CancellationToken));
    }

    /// <summary>
    /// The shop's calendar, or NOT_FOUND. A shop not found may be one whose first facts are acknowledged and not
    /// committed yet, so it is looked for once more after waiting for those (<see cref="FactVisibility"/>); a known
    /// shop costs no wait here.
    /// </summary>
    private async Task<ShopCalendar> FindShopAsync(string shopId, CancellationToken cancellationToken)
    {
        var checkedId = RequestFields.ShopId(shopId);
        if (await queries.FindShopAsync(checkedId, cancellationToken) is { } calendar)
        {
            return calendar;
        }

        await visibility.WaitForAcknowledgedAsync(FactScope.Shop(checkedId), cancellationToken);
        return await queries.FindShopAsync(checkedId, cancellationToken) ?? throw GrpcErrors.NotFound("shop", shopId);
    }

    /// <summary>What a period RPC's response is of: the checked period, the shop's calendar and the instant of the figures.</summary>
    private readonly record struct PeriodScope(DayPeriod Period, ShopCalendar Calendar, DateTime AsOf);
}
