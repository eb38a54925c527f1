using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;

namespace ServiceAnalytics.Storage.Queries;

/// <summary>
/// Reads about single chats and agents, one file each: chat detail (timeline), the checks of a transfer and of
/// ingestion (chat state, agents, assignments, stored tags), the SLA queue.
/// </summary>
public sealed partial class ChatQueries(ClickHouseStore store)
{
    private static ClickHouseParameterCollection Parameters(string shopId, params (string Name, string Value)[] values)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("shop", shopId);
        foreach (var (name, value) in values)
        {
            parameters.AddParameter(name, value);
        }

        return parameters;
    }
}
