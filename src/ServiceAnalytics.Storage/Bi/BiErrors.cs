using ClickHouse.Driver;

namespace ServiceAnalytics.Storage.Bi;

/// <summary>Turns the engine's errors, as ClickHouse.Driver raises them, into <see cref="BiSqlException"/> with the engine's code and name.</summary>
internal static class BiErrors
{
    /// <summary>Runs <paramref name="call"/>; a <see cref="ClickHouseServerException"/> becomes a <see cref="BiSqlException"/>.</summary>
    public static async Task<T> Translate<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (ClickHouseServerException error)
        {
            throw FromServer(error);
        }
    }

    /// <summary>The engine's error with its code and the name ClickHouse puts last in parentheses (<c>… (TIMEOUT_EXCEEDED)</c>).</summary>
    public static BiSqlException FromServer(ClickHouseServerException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var message = error.Message.Trim();
        return new BiSqlException(error.ErrorCode, CodeName(message), message);
    }

    /// <summary>The upper-case name in the last parentheses of a ClickHouse message, or <c>UNKNOWN_EXCEPTION</c>.</summary>
    internal static string CodeName(string message)
    {
        var close = message.LastIndexOf(')');
        var open = close > 0 ? message.LastIndexOf('(', close - 1) : -1;
        if (open < 0)
        {
            return "UNKNOWN_EXCEPTION";
        }

        var name = message[(open + 1)..close];
        return name.Length > 0 && name.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_') ? name : "UNKNOWN_EXCEPTION";
    }
}
