using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace ServiceAnalytics.Server.SqlEndpoint;

/// <summary>
/// Counts the SQL endpoint's open connections (a Kestrel connection middleware on its port) and marks those opened
/// beyond <see cref="SqlEndpointOptions.MaxConnections"/>. A marked connection is answered at its first request, at
/// the HTTP level so a BI client reads why: 429 with ClickHouse's <c>TOO_MANY_SIMULTANEOUS_QUERIES</c>, and closed.
/// Refusing in HTTP rather than resetting the socket costs one parsed request and gives a clear error instead of a
/// connection reset.
/// </summary>
internal sealed class SqlConnectionCount(int maxConnections)
{
    private const string OverKey = "sql-endpoint-over-connection-limit";
    private int _open;

    /// <summary>The middleware: counts the connection for its life and marks it when it is one too many.</summary>
    public ConnectionDelegate Count(ConnectionDelegate next) => async connection =>
    {
        if (Interlocked.Increment(ref _open) > maxConnections)
        {
            connection.Items[OverKey] = true;
        }

        try
        {
            await next(connection);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    };

    /// <summary>Whether the request came on a connection opened beyond the bound.</summary>
    public static bool IsOver(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.ContainsKey(OverKey) == true;
}
