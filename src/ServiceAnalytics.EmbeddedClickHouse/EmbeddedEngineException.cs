using System.Text.RegularExpressions;

namespace ServiceAnalytics.EmbeddedClickHouse;

/// <summary>An error raised by the embedded engine, with ClickHouse's error code.</summary>
public sealed partial class EmbeddedEngineException(int code, string message) : Exception(message)
{
    /// <summary>ClickHouse error code (for example 60 for UNKNOWN_TABLE, 62 for SYNTAX_ERROR).</summary>
    public int Code { get; } = code;

    /// <summary>ClickHouse's generic code for errors that carry none (<c>UNKNOWN_EXCEPTION</c>).</summary>
    internal const int UnknownCode = 1002;

    /// <summary>Parses the engine's <c>Code: N. DB::Exception: …</c> text.</summary>
    internal static EmbeddedEngineException FromEngineMessage(string message)
    {
        var match = CodePattern().Match(message);
        var code = match.Success && int.TryParse(match.Groups[1].ValueSpan, out var parsed) ? parsed : UnknownCode;
        var text = match.Success ? message.Trim() : $"Code: {code}. DB::Exception: {message.Trim()}";
        return new EmbeddedEngineException(code, text);
    }

    [GeneratedRegex(@"^\s*Code:\s*(\d+)\.")]
    private static partial Regex CodePattern();
}
