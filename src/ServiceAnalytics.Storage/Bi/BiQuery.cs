namespace ServiceAnalytics.Storage.Bi;

/// <summary>
/// One statement a BI tool sent to the SQL endpoint, as ClickHouse's HTTP interface carries it: the SQL text, its
/// <c>param_*</c> values (bound by the engine), the output format asked for when the text has no <c>FORMAT</c>
/// clause, the caller's query id, and the settings its URL named (the runner accepts only those that shape the
/// output, such as <c>output_format_json_quote_64bit_integers</c>, and refuses the rest).
/// </summary>
public sealed record BiQuery(
    string Sql,
    IReadOnlyList<KeyValuePair<string, string>> Parameters,
    string? DefaultFormat,
    string QueryId,
    IReadOnlyDictionary<string, string> Settings);

/// <summary>Who runs a <see cref="BiQuery"/>: a name for logs and the shops it may read (null: every shop).</summary>
public sealed record BiCaller(string Name, IReadOnlySet<string>? Shops);

/// <summary>
/// A statement the SQL endpoint refuses or the engine failed, with ClickHouse's error code and name
/// (<c>497 ACCESS_DENIED</c>, <c>164 READONLY</c>, <c>62 SYNTAX_ERROR</c>, <c>159 TIMEOUT_EXCEEDED</c>…), so the
/// endpoint answers the way a ClickHouse server does. <see cref="Exception.Message"/> is the whole ClickHouse-style
/// text: <c>Code: 497. DB::Exception: … (ACCESS_DENIED)</c>.
/// </summary>
public sealed class BiSqlException(int code, string codeName, string message) : Exception(message)
{
    public int Code { get; } = code;

    public string CodeName { get; } = codeName;

    /// <summary>Builds the ClickHouse-style message from its parts.</summary>
    public static BiSqlException Of(int code, string codeName, string detail) =>
        new(code, codeName, $"Code: {code}. DB::Exception: {detail}. ({codeName})");
}
