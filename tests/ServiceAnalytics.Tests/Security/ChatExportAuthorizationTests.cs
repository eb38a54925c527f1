using System.Net;

namespace ServiceAnalytics.Tests.Security;

/// <summary>
/// The CSV export is an RPC like the others (AnalyticsService.ExportChats, transcoded): the same interceptor refuses
/// the same callers with the same reasons, and the same checks refuse the same filter values, as on the ListChats
/// JSON route with the same query.
/// </summary>
public sealed class ChatExportAuthorizationTests
{
    [Fact]
    public async Task Wrong_callers_and_bad_filters_get_the_list_routes_status_and_body()
    {
        await using var host = await ServiceHost.StartReadyAsync(Callers.Settings());
        using var http = new HttpClient { BaseAddress = host.WebAddress };
        const string period = "first_day=2026-10-01&last_day=2026-10-31";
        (string Case, string? Key, string Shop, string Query, HttpStatusCode Status, string Reason)[] cases =
        [
            ("no credentials", null, "shop-a", period, HttpStatusCode.Unauthorized, "UNAUTHENTICATED"),
            ("unknown key", "not-a-key", "shop-a", period, HttpStatusCode.Unauthorized, "UNAUTHENTICATED"),
            ("other shop", Callers.Keys["query-a"].Key, "shop-b", period, HttpStatusCode.Forbidden, "SHOP_NOT_ALLOWED"),
            ("missing scope", Callers.Keys["ingest-a"].Key, "shop-a", period, HttpStatusCode.Forbidden, "MISSING_SCOPE"),
            ("rating out of range", Callers.Keys["query-a"].Key, "shop-a", period + "&ratings=2&ratings=9", HttpStatusCode.BadRequest, "ratings[1]"),
            ("bad day", Callers.Keys["query-a"].Key, "shop-a", "first_day=2026-13-01&last_day=2026-10-31", HttpStatusCode.BadRequest, "first_day"),
            ("long tag", Callers.Keys["query-a"].Key, "shop-a", period + "&tags=" + new string('t', 65), HttpStatusCode.BadRequest, "tags[0]"),
        ];
        foreach (var (name, key, shop, query, status, reason) in cases)
        {
            var (csvStatus, csvBody) = await GetAsync(http, key, $"/v1/shops/{shop}/chats.csv?{query}");
            var (listStatus, listBody) = await GetAsync(http, key, $"/v1/shops/{shop}/chats?{query}");

            Assert.True(status == csvStatus, $"{name}: {csvStatus} {csvBody}");
            Assert.True(listBody == csvBody, $"{name}: the export says {csvBody}, the list {listBody}");
            Assert.Equal(listStatus, csvStatus);
            using var error = JsonDocument.Parse(csvBody);
            Assert.True(error.RootElement.TryGetProperty("code", out _), csvBody);
            Assert.True(error.RootElement.TryGetProperty("message", out _), csvBody);
            var detail = Assert.Single(error.RootElement.GetProperty("details").EnumerateArray());
            Assert.Contains(reason, detail.GetRawText(), StringComparison.Ordinal);
        }
    }

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient http, string? key, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        if (key is not null)
        {
            request.Headers.Add("x-api-key", key);
        }

        using var response = await http.SendAsync(request);
        // The export is a stream: its error body ends with the stream's line feed, which the list's has not.
        return (response.StatusCode, (await response.Content.ReadAsStringAsync()).TrimEnd('\n'));
    }
}
