using ServiceAnalytics.Contracts.Query.V1;
using ServiceAnalytics.Storage.Outcomes;
using ServiceAnalytics.Storage.Queries;

namespace ServiceAnalytics.Server.Services;

/// <summary>
/// The query store's figures and rows as the query protos carry them (definitions in docs/metrics.md). A rate is set
/// only when its denominator is not zero, and a duration only when something was measured, so a client tells "none"
/// from zero by the field's presence.
/// </summary>
internal static class QueryResponses
{
    /// <summary>GetStatusBreakdown's answer: the chats received in each category, as of <paramref name="asOf"/>.</summary>
    public static GetStatusBreakdownResponse Breakdown(DateTime asOf, BreakdownFigures figures) => new()
    {
        AsOf = ProtoTime.Utc(asOf),
        Responded24H = figures.Responded24h,
        RespondedLate = figures.RespondedLate,
        NonResponded = figures.NonResponded,
        Pending = figures.Pending,
        AssistantSolved = figures.AssistantSolved,
        NoInquiry = figures.NoInquiry,
    };

    /// <summary>A period's headline figures and customer conversion.</summary>
    public static PeriodMetrics Metrics(DayPeriod period, OverviewFigures overview)
    {
        var figures = overview.Headline;
        var metrics = new PeriodMetrics
        {
            FirstDay = ProtoTime.Day(period.FirstDay),
            LastDay = ProtoTime.Day(period.LastDay),
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

    /// <summary>A chat of the All Chats list as the list and the export show it.</summary>
    public static ChatRow Row(ChatListRow row)
    {
        var chat = new ChatRow
        {
            ChatId = row.ChatId,
            CustomerId = row.CustomerId,
            ReceivedAt = ProtoTime.Utc(row.ReceivedAt),
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

    /// <summary>One agent's row of the agent table.</summary>
    public static AgentDetails Agent(AgentFigures agent)
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

        return details;
    }

    /// <summary>One tag's row of the tag breakdown.</summary>
    public static TagDetails Tag(TagFigures tag)
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
        return details;
    }

    /// <summary>One fact of a chat's timeline.</summary>
    public static ChatTimelineEntry TimelineEntry(ChatTimelineFact fact) => new()
    {
        EventId = fact.EventId,
        OccurredAt = ProtoTime.Utc(fact.OccurredAt),
        Kind = fact.Kind,
        MessageId = fact.MessageId,
        SenderRole = fact.SenderRole,
        MessageKind = fact.MessageKind,
        AgentId = fact.AgentId,
        FromAgentId = fact.FromAgentId,
        Tags = { fact.Tags },
        ResolvedBy = fact.ResolvedBy,
        Stars = fact.Stars,
        ExpectsNoReply = fact.ExpectsNoReply,
    };

    /// <summary>One inquiry of the SLA queue.</summary>
    public static PendingInquiry Pending(PendingInquiryRow row) => new()
    {
        ChatId = row.ChatId,
        CustomerId = row.CustomerId,
        AskedAt = ProtoTime.Utc(row.AskedAt),
        SecondsLeft = row.SecondsLeft,
        CurrentAgentId = row.CurrentAgent,
    };

    /// <summary>A transfer as recorded.</summary>
    public static TransferChatResponse Transferred(ChatAssignment transfer) => new()
    {
        FromAgentId = transfer.FromAgent,
        ToAgentId = transfer.ToAgent,
        TransferredAt = ProtoTime.Utc(transfer.At),
    };

    private static void SetRate(long numerator, long denominator, Action<double> set)
    {
        if (denominator > 0)
        {
            set((double)numerator / denominator);
        }
    }
}
