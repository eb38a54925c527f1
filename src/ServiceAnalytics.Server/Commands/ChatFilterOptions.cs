using System.CommandLine;
using System.CommandLine.Parsing;
using Google.Protobuf.Reflection;
using ServiceAnalytics.Contracts.Query.V1;

namespace ServiceAnalytics.Server.Commands;

/// <summary>
/// The shop, period and All Chats filter of a command, one option per field of <see cref="ExportChatsRequest"/> (the
/// ListChats filter): the command builds that request from them, so the service's own checks
/// (<see cref="Services.RequestFields"/>) and mapping apply to it unchanged, and a check's error, which names a request
/// field, is told by the option's name (<see cref="OptionFor"/>).
/// </summary>
internal sealed class ChatFilterOptions
{
    private readonly Option<string> _shop = new("--shop") { Description = "The shop.", Required = true };
    private readonly Option<string> _from = new("--from") { Description = "First local day of the period (YYYY-MM-DD, the shop's time zone).", Required = true };
    private readonly Option<string> _to = new("--to") { Description = "Last local day of the period (YYYY-MM-DD), at most 366 days after --from.", Required = true };
    private readonly Option<ChatType[]> _chatTypes = EnumOption<ChatType>("--chat-type", ExportChatsRequest.ChatTypesFieldNumber, "Only chats of any of these types");
    private readonly Option<string[]> _tags = new("--tag") { Description = "Only chats carrying any of these tags." };
    private readonly Option<string[]> _agents = new("--agent") { Description = "Only chats whose current agent is any of these." };
    private readonly Option<ChatStatus[]> _statuses = EnumOption<ChatStatus>("--status", ExportChatsRequest.StatusesFieldNumber, "Only chats in any of these statuses");
    private readonly Option<string> _customer = new("--customer") { Description = "Only this customer's chats." };
    private readonly Option<string[]> _handledBy = new("--handled-by") { Description = "Only chats in which any of these agents replied." };
    private readonly Option<int[]> _ratings = new("--rating") { Description = "Only chats whose latest rating is any of these stars (1 to 5)." };
    private readonly Option<InquiryOutcome[]> _inquiryOutcomes = EnumOption<InquiryOutcome>(
        "--inquiry-outcome", ExportChatsRequest.InquiryOutcomesFieldNumber, "Only chats holding an inquiry counted by the response rate with any of these outcomes");
    private readonly Option<string[]> _inquiryAgents = new("--inquiry-agent") { Description = "Only inquiries credited or charged to any of these agents (\"\" for unassigned)." };
    private readonly Option<TransferDirection[]> _transferDirections = EnumOption<TransferDirection>(
        "--transfer-direction", ExportChatsRequest.TransferDirectionsFieldNumber, "Only chats holding a transfer in any of these directions");
    private readonly Option<string[]> _transferAgents = new("--transfer-agent") { Description = "Only transfers to or from any of these agents." };

    /// <summary>The options, in the order --help lists them.</summary>
    public IEnumerable<Option> All => [_shop, _from, _to, _chatTypes, _tags, _agents, _statuses, _customer, _handledBy, _ratings,
        _inquiryOutcomes, _inquiryAgents, _transferDirections, _transferAgents];

    /// <summary>The request the options name, not yet checked.</summary>
    public ExportChatsRequest Request(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new ExportChatsRequest
        {
            ShopId = parse.GetValue(_shop) ?? "",
            FirstDay = parse.GetValue(_from) ?? "",
            LastDay = parse.GetValue(_to) ?? "",
            ChatTypes = { parse.GetValue(_chatTypes) ?? [] },
            Tags = { parse.GetValue(_tags) ?? [] },
            AgentIds = { parse.GetValue(_agents) ?? [] },
            Statuses = { parse.GetValue(_statuses) ?? [] },
            CustomerId = parse.GetValue(_customer) ?? "",
            HandledByAgentIds = { parse.GetValue(_handledBy) ?? [] },
            Ratings = { parse.GetValue(_ratings) ?? [] },
            InquiryOutcomes = { parse.GetValue(_inquiryOutcomes) ?? [] },
            InquiryAgentIds = { parse.GetValue(_inquiryAgents) ?? [] },
            TransferDirections = { parse.GetValue(_transferDirections) ?? [] },
            TransferAgentIds = { parse.GetValue(_transferAgents) ?? [] },
        };
    }

    /// <summary>The option of a request field as a check names it (<c>last_day</c>, <c>tags[2]</c>), or the field itself.</summary>
    public string OptionFor(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        var bracket = field.IndexOf('[', StringComparison.Ordinal);
        var name = bracket < 0 ? field : field[..bracket];
        Option? option = name switch
        {
            "shop_id" => _shop,
            "first_day" => _from,
            "last_day" => _to,
            "chat_types" => _chatTypes,
            "tags" => _tags,
            "agent_ids" => _agents,
            "statuses" => _statuses,
            "customer_id" => _customer,
            "handled_by_agent_ids" => _handledBy,
            "ratings" => _ratings,
            "inquiry_outcomes" => _inquiryOutcomes,
            "inquiry_agent_ids" => _inquiryAgents,
            "transfer_directions" => _transferDirections,
            "transfer_agent_ids" => _transferAgents,
            _ => null,
        };
        return option?.Name ?? field;
    }

    /// <summary>
    /// An option taking values of a request's enum field, by the value's name without its prefix, in any case, with
    /// <c>-</c> or <c>_</c> (<c>non-responded</c>, <c>NON_RESPONDED</c>), or in full (<c>CHAT_TYPE_NON_RESPONDED</c>).
    /// </summary>
    private static Option<TEnum[]> EnumOption<TEnum>(string name, int fieldNumber, string description)
        where TEnum : struct, Enum
    {
        var type = ExportChatsRequest.Descriptor.FindFieldByNumber(fieldNumber).EnumType;
        var prefix = type.Values[0].Name[..(type.Values[0].Name.LastIndexOf("UNSPECIFIED", StringComparison.Ordinal))];
        var accepted = type.Values.Where(v => v.Number != 0).Select(v => Display(v, prefix)).ToList();
        return new Option<TEnum[]>(name)
        {
            Description = $"{description}: {string.Join(", ", accepted)}.",
            CustomParser = result =>
            {
                var values = new List<TEnum>();
                foreach (var token in result.Tokens)
                {
                    var text = token.Value.ToUpperInvariant().Replace('-', '_');
                    var value = type.FindValueByName(text.StartsWith(prefix, StringComparison.Ordinal) ? text : prefix + text);
                    if (value is null || value.Number == 0)
                    {
                        result.AddError($"{name}: '{token.Value}' is not one of {string.Join(", ", accepted)}.");
                        return [];
                    }

                    values.Add((TEnum)Enum.ToObject(typeof(TEnum), value.Number));
                }

                return [.. values];
            },
        };
    }

    private static string Display(EnumValueDescriptor value, string prefix) =>
        value.Name[prefix.Length..].ToLowerInvariant().Replace('_', '-');
}
