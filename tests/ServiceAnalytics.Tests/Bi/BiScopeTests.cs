using ServiceAnalytics.Storage.Bi;

namespace ServiceAnalytics.Tests.Bi;

/// <summary>A shop-scoped BI caller sees exactly its shops' rows, whatever shape the statement takes; a platform caller sees all.</summary>
public sealed class BiScopeTests(BiRunnerFixture bi) : IClassFixture<BiRunnerFixture>
{
    private static readonly BiCaller s_shopA = BiRunnerFixture.Shops(BiRunnerFixture.ShopA);

    [Fact]
    public async Task A_shop_key_sees_only_its_shop_in_a_plain_select()
    {
        var text = await bi.TextAsync(s_shopA, "SELECT shop_id, chat_id FROM bi_chats ORDER BY chat_id");
        Assert.Equal("shop-a\ta1\nshop-a\ta2\nshop-a\ta3\n", text);
    }

    [Fact]
    public async Task A_platform_key_sees_every_shop()
    {
        var text = await bi.TextAsync(BiRunnerFixture.Platform, "SELECT shop_id, count() FROM bi_chats GROUP BY shop_id ORDER BY shop_id");
        Assert.Equal("shop-a\t3\nshop-b\t2\nshop-c\t1\n", text);
    }
}
