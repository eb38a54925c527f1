using System.Net;
using System.Text.RegularExpressions;
using Google.Api;
using Google.Protobuf.Reflection;

namespace ServiceAnalytics.Tests.Infrastructure;

/// <summary>
/// Calls an RPC through its HTTP/JSON route as a plain HTTP client would, built from the method's own
/// <c>google.api.http</c> annotation: path fields substituted, other set fields as query parameters (GET) or the
/// whole request as the JSON body (<c>body: "*"</c>). Credentials go in as HTTP headers.
/// </summary>
internal static partial class HttpJsonCalls
{
    /// <summary>The <c>google.rpc</c> details the service sends, for reading error bodies.</summary>
    private static readonly TypeRegistry s_details = TypeRegistry.FromMessages(
        Google.Rpc.BadRequest.Descriptor, Google.Rpc.PreconditionFailure.Descriptor, Google.Rpc.ResourceInfo.Descriptor,
        Google.Rpc.RetryInfo.Descriptor, Google.Rpc.ErrorInfo.Descriptor);

    /// <summary>Reads JSON strictly: an unknown field in a response is a contract break, not something to skip.</summary>
    private static readonly JsonParser s_parser = new(JsonParser.Settings.Default.WithTypeRegistry(s_details));

    public sealed record Answer(HttpStatusCode HttpStatus, IMessage? Response, Google.Rpc.Status? Error, string Body)
    {
        /// <summary>The gRPC status the answer carries: OK, or the error body's code and message.</summary>
        public Status Status => Error is null ? Status.DefaultSuccess : new Status((StatusCode)Error.Code, Error.Message);
    }

    public static async Task<Answer> CallAsync(HttpClient http, MethodDescriptor method, IMessage request, Action<Metadata>? authenticate = null)
    {
        var rule = method.GetOptions().GetExtension(AnnotationsExtensions.Http)
            ?? throw new InvalidOperationException($"{method.FullName} has no HTTP route");
        var (verb, template) = rule.PatternCase switch
        {
            HttpRule.PatternOneofCase.Get => (HttpMethod.Get, rule.Get),
            HttpRule.PatternOneofCase.Post => (HttpMethod.Post, rule.Post),
            _ => throw new NotSupportedException(rule.PatternCase.ToString()),
        };
        var inPath = new HashSet<string>(StringComparer.Ordinal);
        var path = PathField().Replace(template, m =>
        {
            inPath.Add(m.Groups[1].Value);
            return Uri.EscapeDataString(method.InputType.FindFieldByName(m.Groups[1].Value).Accessor.GetValue(request)?.ToString() ?? "");
        });
        using var message = new HttpRequestMessage(verb, new Uri(verb == HttpMethod.Get ? path + Query(method, request, inPath) : path, UriKind.Relative));
        if (rule.Body == "*")
        {
            message.Content = new StringContent(JsonFormatter.Default.Format(request), Encoding.UTF8, "application/json");
        }

        if (authenticate is not null)
        {
            var metadata = new Metadata();
            authenticate(metadata);
            foreach (var entry in metadata)
            {
                message.Headers.Add(entry.Key, entry.Value);
            }
        }

        return await SendAsync(http, message, method.OutputType);
    }

    /// <summary>Sends a prepared request and reads its answer as <paramref name="responseType"/> or as an error status.</summary>
    public static async Task<Answer> SendAsync(HttpClient http, HttpRequestMessage message, MessageDescriptor responseType)
    {
        using var response = await http.SendAsync(message);
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode
            ? new Answer(response.StatusCode, s_parser.Parse(body, responseType), null, body)
            : new Answer(response.StatusCode, null, body.Length == 0
                ? new Google.Rpc.Status { Code = (int)StatusCode.Unknown, Message = $"HTTP {(int)response.StatusCode} without a status body" }
                : s_parser.Parse<Google.Rpc.Status>(body), body);
    }

    /// <summary>The set fields of <paramref name="request"/> not in the path, as a query string (repeated fields repeated).</summary>
    private static string Query(MethodDescriptor method, IMessage request, HashSet<string> inPath)
    {
        var parameters = new List<string>();
        foreach (var field in method.InputType.Fields.InFieldNumberOrder().Where(f => !inPath.Contains(f.Name)))
        {
            var value = field.Accessor.GetValue(request);
            var values = field.IsRepeated ? ((System.Collections.IEnumerable)value).Cast<object>() : (field.HasPresence && field.Accessor.HasValue(request)) || !IsDefault(value) ? [value] : [];
            parameters.AddRange(values.Select(v => $"{field.Name}={Uri.EscapeDataString(Text(field, v))}"));
        }

        return parameters.Count == 0 ? "" : "?" + string.Join('&', parameters);
    }

    private static bool IsDefault(object value) => value switch
    {
        string text => text.Length == 0,
        int number => number == 0,
        long number => number == 0,
        bool flag => !flag,
        Enum e => Convert.ToInt32(e, System.Globalization.CultureInfo.InvariantCulture) == 0,
        _ => false,
    };

    private static string Text(FieldDescriptor field, object value) => value switch
    {
        bool flag => flag ? "true" : "false",
        _ when field.FieldType == FieldType.Enum => field.EnumType.FindValueByNumber(Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)).Name,
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!,
    };

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex PathField();
}
