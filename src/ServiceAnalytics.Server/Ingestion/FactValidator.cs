using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Contracts.Ingest.V1;

namespace ServiceAnalytics.Server.Ingestion;

/// <summary>
/// A fact that fails validation: the field path (as in the proto, e.g. <c>message_sent.agent_id</c>), why (words for
/// the producer), and the kind of rejection (a closed set, for the <c>service_analytics.ingest.facts.rejected</c> counter).
/// </summary>
public sealed record FactViolation(string Field, string Reason, FactRejection Rejection = FactRejection.InvalidField);

/// <summary>The kinds of rejection of one fact, as counted by the ingestion instruments (docs/instruments.md).</summary>
public enum FactRejection
{
    /// <summary>A field is missing, malformed or out of its range (the validator's field and reason say which).</summary>
    InvalidField,

    /// <summary><c>occurred_at</c> is further in the past than <see cref="IngestionOptions.MaxFactAge"/>.</summary>
    TooOld,

    /// <summary><c>occurred_at</c> is further in the future than <see cref="IngestionOptions.MaxClockSkew"/>.</summary>
    InFuture,

    /// <summary>A <c>ChatTagged</c> fact would take its chat over <see cref="IngestionOptions.MaxTagsPerChat"/>.</summary>
    TagLimit,
}

/// <summary>
/// Checks one fact against the contract documented in <c>facts.proto</c>. The first violation found is reported;
/// a fact with any violation is not stored.
/// </summary>
public sealed class FactValidator(IOptions<IngestionOptions> options, TimeProvider clock)
{
    private const int MaxIdLength = 64;
    private const int MaxEventIdLength = 128;
    private const int MaxTags = 16;

    /// <summary>9999-12-31T23:59:59Z, the last second a <see cref="DateTime"/> holds.</summary>
    private const long MaxTimestampSeconds = 253_402_300_799;

    /// <summary>Holiday days must fall in this range (it is inside ClickHouse's Date and Date32).</summary>
    private static readonly DateOnly s_firstHoliday = new(2000, 1, 1);
    private static readonly DateOnly s_lastHoliday = new(2100, 12, 31);

    public FactViolation? Validate(Fact fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        return Text(fact.EventId, "event_id", MaxEventIdLength)
            ?? Text(fact.ShopId, "shop_id", MaxIdLength)
            ?? OccurredAt(fact.OccurredAt)
            ?? fact.KindCase switch
            {
                Fact.KindOneofCase.ChatStarted => ChatStarted(fact.ChatStarted),
                Fact.KindOneofCase.MessageSent => MessageSent(fact.MessageSent),
                Fact.KindOneofCase.ChatAssigned => ChatAssigned(fact.ChatAssigned),
                Fact.KindOneofCase.ChatTagged => Text(fact.ChatTagged.ChatId, "chat_tagged.chat_id", MaxIdLength)
                    ?? Tags(fact.ChatTagged.Tags, "chat_tagged.tags", minimum: 1),
                Fact.KindOneofCase.ChatResolved => Text(fact.ChatResolved.ChatId, "chat_resolved.chat_id", MaxIdLength)
                    ?? Enum(fact.ChatResolved.ResolvedBy, "chat_resolved.resolved_by"),
                Fact.KindOneofCase.ChatEnded => Text(fact.ChatEnded.ChatId, "chat_ended.chat_id", MaxIdLength),
                Fact.KindOneofCase.ChatRated => Text(fact.ChatRated.ChatId, "chat_rated.chat_id", MaxIdLength)
                    ?? (fact.ChatRated.Stars is >= 1 and <= 5 ? null : new FactViolation("chat_rated.stars", $"must be 1 to 5, got {fact.ChatRated.Stars}")),
                Fact.KindOneofCase.OrderPlaced => OrderPlaced(fact.OrderPlaced),
                Fact.KindOneofCase.OrderCancelled => Text(fact.OrderCancelled.OrderId, "order_cancelled.order_id", MaxIdLength)
                    ?? Text(fact.OrderCancelled.CustomerId, "order_cancelled.customer_id", MaxIdLength)
                    ?? Enum(fact.OrderCancelled.CancellationKind, "order_cancelled.cancellation_kind"),
                Fact.KindOneofCase.AgentUpserted => Text(fact.AgentUpserted.AgentId, "agent_upserted.agent_id", MaxIdLength)
                    ?? Text(fact.AgentUpserted.DisplayName, "agent_upserted.display_name", 128),
                Fact.KindOneofCase.ShopSettingsChanged => ShopSettings(fact.ShopSettingsChanged),
                _ => new FactViolation("kind", "exactly one kind of fact must be set"),
            };
    }

    private FactViolation? OccurredAt(Timestamp? occurredAt)
    {
        if (occurredAt is null)
        {
            return new FactViolation("occurred_at", "is required");
        }

        if (occurredAt.Nanos is < 0 or > 999_999_999 || occurredAt.Seconds < 0 || occurredAt.Seconds > MaxTimestampSeconds)
        {
            return new FactViolation("occurred_at", "is not a valid timestamp between 1970-01-01 and 9999-12-31");
        }

        var at = occurredAt.ToDateTime();
        var now = clock.GetUtcNow().UtcDateTime;
        if (at < now - options.Value.MaxFactAge)
        {
            return new FactViolation("occurred_at", $"is more than {options.Value.MaxFactAge.TotalDays:F0} days in the past ({at:O})", FactRejection.TooOld);
        }

        return at > now + options.Value.MaxClockSkew
            ? new FactViolation("occurred_at", $"is more than {options.Value.MaxClockSkew.TotalMinutes:F0} minutes in the future ({at:O})", FactRejection.InFuture)
            : null;
    }

    private static FactViolation? ChatStarted(ChatStarted started) =>
        Text(started.ChatId, "chat_started.chat_id", MaxIdLength)
        ?? Text(started.CustomerId, "chat_started.customer_id", MaxIdLength)
        ?? (started.EntryPoint == EntryPoint.Unspecified ? null : Enum(started.EntryPoint, "chat_started.entry_point"))
        ?? Enum(started.Initiator, "chat_started.initiator")
        ?? Tags(started.Tags, "chat_started.tags", minimum: 0);

    private static FactViolation? MessageSent(MessageSent message)
    {
        var violation = Text(message.MessageId, "message_sent.message_id", MaxIdLength)
            ?? Text(message.ChatId, "message_sent.chat_id", MaxIdLength)
            ?? Enum(message.SenderRole, "message_sent.sender_role")
            ?? Enum(message.Kind, "message_sent.kind");
        if (violation is not null)
        {
            return violation;
        }

        if (message.ExpectsNoReply && message.SenderRole != SenderRole.Customer)
        {
            return new FactViolation("message_sent.expects_no_reply", "may be true only for customer messages");
        }

        if (message.SenderRole == SenderRole.Agent)
        {
            return Text(message.AgentId, "message_sent.agent_id", MaxIdLength);
        }

        return message.AgentId.Length > 0
            ? new FactViolation("message_sent.agent_id", "must be empty unless sender_role is SENDER_ROLE_AGENT")
            : null;
    }

    private static FactViolation? ChatAssigned(ChatAssigned assigned) =>
        Text(assigned.ChatId, "chat_assigned.chat_id", MaxIdLength)
        ?? Text(assigned.ToAgentId, "chat_assigned.to_agent_id", MaxIdLength)
        ?? (assigned.FromAgentId.Length == 0 ? null : Text(assigned.FromAgentId, "chat_assigned.from_agent_id", MaxIdLength))
        ?? (assigned.FromAgentId == assigned.ToAgentId
            ? new FactViolation("chat_assigned.to_agent_id", "must differ from from_agent_id")
            : null);

    private static FactViolation? OrderPlaced(OrderPlaced order) =>
        Text(order.OrderId, "order_placed.order_id", MaxIdLength)
        ?? Text(order.CustomerId, "order_placed.customer_id", MaxIdLength)
        ?? (order.AmountMinor < 0 ? new FactViolation("order_placed.amount_minor", "must not be negative") : null)
        ?? (order.Currency.Length == 3 && order.Currency.All(char.IsAsciiLetterUpper)
            ? null
            : new FactViolation("order_placed.currency", "must be an ISO 4217 code of three upper-case letters"));

    private static FactViolation? ShopSettings(ShopSettingsChanged settings)
    {
        if (Text(settings.TimeZone, "shop_settings_changed.time_zone", MaxIdLength) is { } violation)
        {
            return violation;
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(settings.TimeZone, out var zone) || !zone.HasIanaId)
        {
            return new FactViolation("shop_settings_changed.time_zone", $"'{settings.TimeZone}' is not an IANA time zone");
        }

        for (var i = 0; i < settings.BusinessHours.Count; i++)
        {
            var hours = settings.BusinessHours[i];
            var path = $"shop_settings_changed.business_hours[{i}]";
            if (hours.IsoDayOfWeek is < 1 or > 7)
            {
                return new FactViolation($"{path}.iso_day_of_week", "must be 1 (Monday) to 7 (Sunday)");
            }

            if (hours.OpenMinute < 0 || hours.CloseMinute > 1440 || hours.OpenMinute >= hours.CloseMinute)
            {
                return new FactViolation($"{path}.close_minute", "hours must satisfy 0 <= open_minute < close_minute <= 1440");
            }
        }

        if (settings.Holidays.Count > 366)
        {
            return new FactViolation("shop_settings_changed.holidays", "at most 366 holiday periods");
        }

        for (var i = 0; i < settings.Holidays.Count; i++)
        {
            var path = $"shop_settings_changed.holidays[{i}]";
            if (!TryParseDay(settings.Holidays[i].FirstDay, out var first))
            {
                return new FactViolation($"{path}.first_day", "must be a date YYYY-MM-DD");
            }

            if (!TryParseDay(settings.Holidays[i].LastDay, out var last))
            {
                return new FactViolation($"{path}.last_day", "must be a date YYYY-MM-DD");
            }

            if (first < s_firstHoliday || last > s_lastHoliday)
            {
                return new FactViolation($"{path}.first_day", "holidays must lie between 2000-01-01 and 2100-12-31");
            }

            if (last < first || last.DayNumber - first.DayNumber >= 366)
            {
                return new FactViolation($"{path}.last_day", "must not be before first_day, and a period is at most 366 days");
            }
        }

        return null;
    }

    internal static bool TryParseDay(string text, out DateOnly day) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);

    private static FactViolation? Tags(IReadOnlyList<string> tags, string path, int minimum)
    {
        if (tags.Count < minimum || tags.Count > MaxTags)
        {
            return new FactViolation(path, $"must hold {minimum} to {MaxTags} tags, got {tags.Count}");
        }

        for (var i = 0; i < tags.Count; i++)
        {
            if (Text(tags[i], $"{path}[{i}]", MaxIdLength) is { } violation)
            {
                return violation;
            }
        }

        return null;
    }

    private static FactViolation? Enum<TEnum>(TEnum value, string path)
        where TEnum : struct, System.Enum
    {
        if (ProtoEnums.IsSpecified(value))
        {
            return null;
        }

        var number = Convert.ToInt32(value, CultureInfo.InvariantCulture);
        return new FactViolation(path, number == 0 ? "is required (the UNSPECIFIED value is not accepted)" : $"unknown value {number}");
    }

    /// <summary>Required text of 1 to <paramref name="maxLength"/> characters, without control characters.</summary>
    private static FactViolation? Text(string value, string path, int maxLength)
    {
        if (value.Length == 0)
        {
            return new FactViolation(path, "is required");
        }

        if (value.Length > maxLength)
        {
            return new FactViolation(path, $"is {value.Length} characters long; at most {maxLength} are allowed");
        }

        // Control characters are U+0000–U+001F and U+007F–U+009F.
        var text = value.AsSpan();
        return text.ContainsAnyInRange('\u0000', '\u001f') || text.ContainsAnyInRange('\u007f', '\u009f')
            ? new FactViolation(path, "must not contain control characters")
            : null;
    }
}
