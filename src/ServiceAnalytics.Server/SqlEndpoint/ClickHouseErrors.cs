using System.Globalization;
using ServiceAnalytics.Storage.Bi;

namespace ServiceAnalytics.Server.SqlEndpoint;

/// <summary>
/// ClickHouse's error answer as its HTTP interface gives it: the <c>Code: N. DB::Exception: … (NAME)</c> text as a
/// plain-text body, the code in <c>X-ClickHouse-Exception-Code</c>, and the HTTP status ClickHouse maps the code to
/// (its <c>exceptionCodeToHTTPStatus</c>). The endpoint's own refusals use ClickHouse's codes with the same names.
/// </summary>
internal static class ClickHouseErrors
{
    /// <summary>The codes of the refusals the endpoint makes itself (ClickHouse's numbers for these names).</summary>
    private static readonly Dictionary<string, int> s_codes = new(StringComparer.Ordinal)
    {
        ["BAD_ARGUMENTS"] = 36,
        ["NOT_IMPLEMENTED"] = 48,
        ["SYNTAX_ERROR"] = 62,
        ["UNKNOWN_DATABASE"] = 81,
        ["QUOTA_EXCEEDED"] = 201,
        ["TOO_MANY_SIMULTANEOUS_QUERIES"] = 202,
        ["CANNOT_DECOMPRESS"] = 271,
        ["QUERY_IS_TOO_LARGE"] = 229,
        ["ACCESS_DENIED"] = 497,
        ["AUTHENTICATION_FAILED"] = 516,
    };

    /// <summary>
    /// The HTTP status of an error, by its code's name: ClickHouse's own mapping (<c>exceptionCodeToHTTPStatus</c>),
    /// except that the endpoint's two limits on callers answer 429 (a server answers 500) so that clients and proxies
    /// see "retry later", and a request body that does not decompress is the caller's fault (400).
    /// </summary>
    public static int HttpStatus(string codeName) => codeName switch
    {
        "TOO_MANY_SIMULTANEOUS_QUERIES" or "QUOTA_EXCEEDED" => StatusCodes.Status429TooManyRequests,
        "CANNOT_DECOMPRESS" => StatusCodes.Status400BadRequest,
        "REQUIRED_PASSWORD" => StatusCodes.Status401Unauthorized,
        "UNKNOWN_USER" or "WRONG_PASSWORD" or "AUTHENTICATION_FAILED" or "SET_NON_GRANTED_ROLE" or "ACCESS_DENIED"
            => StatusCodes.Status403Forbidden,
        "BAD_ARGUMENTS" or "CANNOT_COMPILE_REGEXP" or "CANNOT_PARSE_TEXT" or "CANNOT_PARSE_ESCAPE_SEQUENCE"
            or "CANNOT_PARSE_QUOTED_STRING" or "CANNOT_PARSE_DATE" or "CANNOT_PARSE_DATETIME" or "CANNOT_PARSE_NUMBER"
            or "CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING" or "CANNOT_PARSE_IPV4" or "CANNOT_PARSE_IPV6" or "CANNOT_PARSE_UUID"
            or "CANNOT_PARSE_INPUT_ASSERTION_FAILED" or "DUPLICATE_COLUMN" or "ILLEGAL_COLUMN" or "UNKNOWN_ELEMENT_IN_AST"
            or "UNKNOWN_TYPE_OF_AST_NODE" or "THERE_IS_NO_COLUMN" or "TOO_DEEP_AST" or "TOO_BIG_AST"
            or "UNEXPECTED_AST_STRUCTURE" or "SYNTAX_ERROR" or "INCORRECT_DATA" or "TYPE_MISMATCH"
            or "VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE" => StatusCodes.Status400BadRequest,
        "UNKNOWN_TABLE" or "UNKNOWN_FUNCTION" or "UNKNOWN_IDENTIFIER" or "UNKNOWN_TYPE" or "UNKNOWN_STORAGE"
            or "UNKNOWN_DATABASE" or "UNKNOWN_SETTING" or "UNKNOWN_DIRECTION_OF_SORTING" or "UNKNOWN_AGGREGATE_FUNCTION"
            or "UNKNOWN_FORMAT" or "UNKNOWN_DATABASE_ENGINE" or "UNKNOWN_TYPE_OF_QUERY" or "UNKNOWN_ROLE"
            => StatusCodes.Status404NotFound,
        "QUERY_IS_TOO_LARGE" => StatusCodes.Status413PayloadTooLarge,
        "NOT_IMPLEMENTED" => StatusCodes.Status501NotImplemented,
        "SOCKET_TIMEOUT" or "CANNOT_OPEN_FILE" or "CANNOT_SCHEDULE_TASK" => StatusCodes.Status503ServiceUnavailable,
        "HTTP_LENGTH_REQUIRED" => StatusCodes.Status411LengthRequired,
        "TIMEOUT_EXCEEDED" => StatusCodes.Status408RequestTimeout,
        "UNSUPPORTED_MEDIA_TYPE" => StatusCodes.Status415UnsupportedMediaType,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The endpoint's own refusal <paramref name="name"/> (one of the codes above) with its detail.</summary>
    public static BiSqlException Of(string name, string detail) => BiSqlException.Of(s_codes[name], name, detail);

    /// <summary>Answers <paramref name="error"/> as ClickHouse does, when the response has not started yet.</summary>
    public static async Task WriteAsync(HttpContext context, BiSqlException error)
    {
        var response = context.Response;
        response.StatusCode = HttpStatus(error.CodeName);
        response.ContentType = "text/plain; charset=UTF-8";
        response.Headers["X-ClickHouse-Exception-Code"] = error.Code.ToString(CultureInfo.InvariantCulture);
        await response.WriteAsync(error.Message + "\n", context.RequestAborted);
    }
}
