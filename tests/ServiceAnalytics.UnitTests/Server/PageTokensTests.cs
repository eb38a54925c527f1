using Microsoft.Extensions.Options;
using ServiceAnalytics.Contracts.Query.V1;
using ServiceAnalytics.Server.Services;
using ServiceAnalytics.Storage.Queries;

namespace ServiceAnalytics.UnitTests.Server;

public sealed class PageTokensTests
{
    private static readonly ChatListCursor s_cursor = new(new DateTime(2026, 3, 4, 5, 6, 7, 890, DateTimeKind.Utc), "chat-42");

    private readonly PageTokens _tokens = new(Options.Create(new QueryOptions()));

    private static ListChatsRequest Request(string shop = "shop-a", params ChatStatus[] statuses) =>
        new() { ShopId = shop, FirstDay = "2026-03-01", LastDay = "2026-03-31", Statuses = { statuses } };

    private static string Fingerprint(ListChatsRequest request) => PageTokens.Fingerprint(request, RequestFields.Filter(request));

    [Fact]
    public void A_token_reads_back_as_its_cursor_for_the_same_request()
    {
        var fingerprint = Fingerprint(Request());
        var token = _tokens.Issue("shop-a", s_cursor, fingerprint);

        Assert.Equal(s_cursor, _tokens.Read(token, fingerprint));
        Assert.Equal("shop-a", PageTokens.ShopOf(token));
        Assert.DoesNotContain('=', token);
    }

    [Fact]
    public void A_tampered_token_is_not_read()
    {
        var fingerprint = Fingerprint(Request());
        var token = _tokens.Issue("shop-a", s_cursor, fingerprint);
        var tampered = token[..^3] + (token[^3] == 'A' ? 'B' : 'A') + token[^2..];

        Assert.Null(_tokens.Read(tampered, fingerprint));
        Assert.Null(_tokens.Read(token[..8], fingerprint));
        Assert.Null(_tokens.Read("not a token!", fingerprint));
        Assert.Null(PageTokens.ShopOf("not a token!"));
    }

    [Fact]
    public void A_token_does_not_move_to_another_shop_or_other_filters()
    {
        var token = _tokens.Issue("shop-a", s_cursor, Fingerprint(Request()));

        Assert.Null(_tokens.Read(token, Fingerprint(Request("shop-b"))));
        Assert.Null(_tokens.Read(token, Fingerprint(Request("shop-a", ChatStatus.Active))));
        Assert.Null(_tokens.Read(token, Fingerprint(new ListChatsRequest(Request()) { LastDay = "2026-03-30" })));
    }

    [Fact]
    public void A_token_of_another_key_is_not_read()
    {
        var fingerprint = Fingerprint(Request());
        var other = new PageTokens(Options.Create(new QueryOptions()));

        Assert.Null(other.Read(_tokens.Issue("shop-a", s_cursor, fingerprint), fingerprint));
    }

    [Fact]
    public void A_configured_key_makes_tokens_that_outlive_the_process()
    {
        var options = Options.Create(new QueryOptions { PageTokenKey = Convert.ToBase64String(new byte[32]) });
        var fingerprint = Fingerprint(Request());

        Assert.Equal(s_cursor, new PageTokens(options).Read(new PageTokens(options).Issue("shop-a", s_cursor, fingerprint), fingerprint));
    }

    [Fact]
    public void The_fingerprint_ignores_the_order_of_a_filter_but_not_where_a_value_stands()
    {
        Assert.Equal(
            Fingerprint(Request("shop-a", ChatStatus.Active, ChatStatus.Resolved)),
            Fingerprint(Request("shop-a", ChatStatus.Resolved, ChatStatus.Active)));
        Assert.NotEqual(
            Fingerprint(new ListChatsRequest(Request()) { Tags = { "a" } }),
            Fingerprint(new ListChatsRequest(Request()) { AgentIds = { "a" } }));
    }
}
