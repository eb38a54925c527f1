using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Server.Ingestion;
using ServiceAnalytics.Storage.Facts;

namespace ServiceAnalytics.UnitTests.Server;

/// <summary>A read waits for the uncommitted batches that hold facts it reads, and only for those.</summary>
public sealed class FactVisibilityTests : IDisposable
{
    private readonly FactVisibility _visibility = new(Options.Create(new IngestionOptions()), NullLogger<FactVisibility>.Instance);
    private readonly List<FactBatch> _batches = [];

    [Fact]
    public async Task A_shops_read_waits_for_its_own_batches_only()
    {
        Journal(1, ("shop-a", "c1"));
        Journal(2, ("shop-b", "c2"), ("shop-a", "c3"));

        var shopB = _visibility.WaitForAcknowledgedAsync(FactScope.Shop("shop-b"), CancellationToken.None).AsTask();
        var shopA = _visibility.WaitForAcknowledgedAsync(FactScope.Shop("shop-a"), CancellationToken.None).AsTask();
        Assert.True(_visibility.WaitForAcknowledgedAsync(FactScope.Shop("shop-c"), CancellationToken.None).IsCompleted);

        _visibility.Committed([2]);
        await shopB.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(shopA.IsCompleted);   // batch 1 still holds a fact of shop-a

        _visibility.Committed([1]);
        await shopA.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, _visibility.Uncommitted);
    }

    [Fact]
    public async Task A_chats_read_waits_for_the_batches_with_that_chat_of_that_shop()
    {
        Journal(1, ("shop-a", "c1"));
        Journal(2, ("shop-b", "c9"));

        Assert.True(_visibility.WaitForAcknowledgedAsync(FactScope.Chat("shop-a", "c9"), CancellationToken.None).IsCompleted);
        var chat = _visibility.WaitForAcknowledgedAsync(FactScope.Chat("shop-a", "c1"), CancellationToken.None).AsTask();
        var anyShop = _visibility.WaitForAcknowledgedAsync(FactScope.ChatIds(["c9"]), CancellationToken.None).AsTask();

        _visibility.Committed([2]);
        await anyShop.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(chat.IsCompleted);
        _visibility.Committed([1]);
        await chat.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_batch_with_agent_facts_holds_every_shops_reads_and_no_chats()
    {
        var agents = NewBatch();
        agents.RowsOf(FactTables.Agents).String("shop-a").String("a1").String("e1").Timestamp(DateTime.UtcNow).String("Ann").Bool(true).EndRow();
        _visibility.Journaled([(1, agents)]);

        var otherShop = _visibility.WaitForAcknowledgedAsync(FactScope.Shop("shop-z"), CancellationToken.None).AsTask();
        Assert.True(_visibility.WaitForAcknowledgedAsync(FactScope.Chat("shop-a", "c1"), CancellationToken.None).IsCompleted);
        Assert.False(otherShop.IsCompleted);

        _visibility.Committed([1]);
        await otherShop.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Reading_everything_waits_for_the_batches_acknowledged_before_the_call_and_not_later_ones()
    {
        Journal(1, ("shop-a", "c1"));
        var all = _visibility.WaitForAcknowledgedAsync(FactScope.All, CancellationToken.None).AsTask();
        Journal(2, ("shop-b", "c2"));

        _visibility.Committed([1]);
        await all.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, _visibility.Uncommitted);
    }

    [Fact]
    public async Task A_wait_ends_at_its_limit_when_the_batch_is_not_committed()
    {
        Journal(1, ("shop-a", "c1"));

        await _visibility.WaitForAcknowledgedAsync(FactScope.Shop("shop-a"), TimeSpan.FromMilliseconds(50), CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(1, _visibility.Uncommitted);
    }

    public void Dispose() => _batches.ForEach(b => b.Dispose());

    private void Journal(long sequence, params (string Shop, string Chat)[] chats)
    {
        var batch = NewBatch();
        foreach (var (shop, chat) in chats)
        {
            batch.Touch(shop, chat, "");
        }

        _visibility.Journaled([(sequence, batch)]);
    }

    private FactBatch NewBatch()
    {
        var batch = new FactBatch();
        _batches.Add(batch);
        return batch;
    }
}
