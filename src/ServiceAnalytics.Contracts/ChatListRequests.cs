using Google.Protobuf.Collections;

namespace ServiceAnalytics.Contracts.Query.V1;

/// <summary>
/// The All Chats filter as both <see cref="ListChatsRequest"/> (a page) and <see cref="ExportChatsRequest"/> (every
/// row) carry it, so the service checks and maps it in one place whichever RPC it came with.
/// </summary>
public interface IChatListRequest
{
    string ShopId { get; }

    string FirstDay { get; }

    string LastDay { get; }

    RepeatedField<ChatType> ChatTypes { get; }

    RepeatedField<string> Tags { get; }

    RepeatedField<string> AgentIds { get; }

    RepeatedField<ChatStatus> Statuses { get; }

    string CustomerId { get; }

    RepeatedField<string> HandledByAgentIds { get; }

    RepeatedField<int> Ratings { get; }

    RepeatedField<InquiryOutcome> InquiryOutcomes { get; }

    RepeatedField<string> InquiryAgentIds { get; }

    RepeatedField<TransferDirection> TransferDirections { get; }

    RepeatedField<string> TransferAgentIds { get; }
}

/// <summary>A page of All Chats: its filter.</summary>
public sealed partial class ListChatsRequest : IChatListRequest;

/// <summary>The CSV export of All Chats: its filter.</summary>
public sealed partial class ExportChatsRequest : IChatListRequest;
