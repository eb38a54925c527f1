using System.Net;

namespace ServiceAnalytics.Tests.SqlEndpoint;

/// <summary>Checks of the SQL endpoint's answers against what a ClickHouse server sends.</summary>
internal static class ClickHouseAnswers
{
    /// <summary>
    /// Asserts ClickHouse's error answer: the status, <c>X-ClickHouse-Exception-Code</c>, a <c>Code: N.
    /// DB::Exception: … (NAME)</c> body, and that the engine itself names code N <paramref name="name"/> (so the
    /// endpoint's numbers are ClickHouse's). Returns the body.
    /// </summary>
    public static async Task<string> AssertErrorAsync(ServiceHost host, HttpResponseMessage response, HttpStatusCode status, string name)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {status}, got {response.StatusCode}: {body}");
        var code = int.Parse(Assert.Single(response.Headers.GetValues("X-ClickHouse-Exception-Code")), CultureInfo.InvariantCulture);
        Assert.StartsWith($"Code: {code}. DB::Exception: ", body, StringComparison.Ordinal);
        Assert.EndsWith($"({name})\n", body, StringComparison.Ordinal);
        Assert.Equal("text/plain; charset=UTF-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(name, await EngineNameAsync(host, code));
        return body;
    }

    /// <summary>The engine's name of an error code (<c>errorCodeToName</c>).</summary>
    public static async Task<string> EngineNameAsync(ServiceHost host, int code)
    {
        var parameters = new ClickHouse.Driver.ADO.Parameters.ClickHouseParameterCollection();
        parameters.AddParameter("code", code);
        return (string)(await host.Store.Client.ExecuteScalarAsync("SELECT toString(errorCodeToName({code:Int32}))", parameters))!;
    }

    /// <summary>A POST of <paramref name="sql"/> to <c>/</c> with URL parameters <paramref name="query"/>.</summary>
    public static Task<HttpResponseMessage> PostAsync(HttpClient client, string sql, string query = "") =>
        client.PostAsync("/" + (query.Length > 0 ? "?" + query : ""), new StringContent(sql, Encoding.UTF8, "text/plain"));
}
