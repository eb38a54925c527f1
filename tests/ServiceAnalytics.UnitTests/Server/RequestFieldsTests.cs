using ServiceAnalytics.Contracts.Query.V1;
using ServiceAnalytics.Server.Services;

namespace ServiceAnalytics.UnitTests.Server;

public sealed class RequestFieldsTests
{
    [Fact]
    public void A_period_is_two_dates_in_order()
    {
        var period = RequestFields.Period("2026-03-01", "2026-03-31");

        Assert.Equal(new DateOnly(2026, 3, 1), period.FirstDay);
        Assert.Equal(new DateOnly(2026, 3, 31), period.LastDay);
        Assert.Equal(period.FirstDay, RequestFields.Period("2026-03-01", "2026-03-01").LastDay);
    }

    [Theory]
    [InlineData("2026-3-01", "2026-03-31", "first_day")]
    [InlineData("", "2026-03-31", "first_day")]
    [InlineData("2026-03-01", "31.03.2026", "last_day")]
    [InlineData("2026-02-30", "2026-03-31", "first_day")]
    [InlineData("1999-12-31", "2000-01-31", "first_day")]
    [InlineData("2100-12-01", "2101-01-01", "last_day")]
    public void A_day_that_is_no_date_or_out_of_range_is_refused_naming_its_field(string first, string last, string field)
    {
        var (named, reason) = RpcErrors.InvalidArgument(() => RequestFields.Period(first, last));

        Assert.Equal(field, named);
        Assert.Equal("must be a date YYYY-MM-DD from 2000-01-01 to 2100-12-31", reason);
    }

    [Fact]
    public void A_reversed_period_is_refused_on_its_last_day()
    {
        var (field, reason) = RpcErrors.InvalidArgument(() => RequestFields.Period("2026-03-02", "2026-03-01"));

        Assert.Equal("last_day", field);
        Assert.Equal("must not be before first_day", reason);
    }

    [Fact]
    public void A_period_is_at_most_366_days_long()
    {
        Assert.Equal(366, RequestFields.Period("2024-01-01", "2024-12-31").Days);

        var (field, reason) = RpcErrors.InvalidArgument(() => RequestFields.Period("2024-01-01", "2025-01-01"));

        Assert.Equal("last_day", field);
        Assert.Equal("a period is at most 366 days long, this one has 367", reason);
    }

    [Theory]
    [InlineData(0, 50)]
    [InlineData(1, 1)]
    [InlineData(200, 200)]
    public void A_page_size_of_zero_is_the_default(int asked, int size) => Assert.Equal(size, RequestFields.PageSize(asked));

    [Theory]
    [InlineData(-1)]
    [InlineData(201)]
    public void A_page_size_out_of_range_is_refused(int asked)
    {
        var (field, reason) = RpcErrors.InvalidArgument(() => RequestFields.PageSize(asked));

        Assert.Equal("page_size", field);
        Assert.Equal("must be 1 to 200, or 0 for 50", reason);
    }

    [Fact]
    public void Texts_and_shop_ids_are_1_to_64_characters()
    {
        Assert.Equal("chat-1", RequestFields.Text("chat-1", "chat_id"));
        Assert.Equal(("chat_id", "must be 1 to 64 characters"), RpcErrors.InvalidArgument(() => RequestFields.Text("", "chat_id")));
        Assert.Equal("to_agent_id", RpcErrors.InvalidArgument(() => RequestFields.Text(new string('a', 65), "to_agent_id")).Field);
        Assert.Equal(("shop_id", "is required, 1 to 64 characters"), RpcErrors.InvalidArgument(() => RequestFields.ShopId("")));
        Assert.Equal("", RequestFields.AgentOrUnassigned("", "agent_ids[0]"));
    }

    [Fact]
    public void A_filter_maps_enums_to_their_stored_codes()
    {
        var filter = RequestFields.Filter(new ListChatsRequest
        {
            ChatTypes = { ChatType.Responded24H },
            Statuses = { ChatStatus.Active },
            Ratings = { 5 },
            HandledByAgentIds = { "" },
        });

        Assert.Equal(["responded_24h"], filter.ChatTypes);
        Assert.Equal(["active"], filter.Statuses);
        Assert.Equal([5], filter.Ratings);
        Assert.Equal([""], filter.HandledBy);
    }

    [Fact]
    public void A_filter_with_an_unknown_or_unspecified_value_names_the_element()
    {
        Assert.Equal(("chat_types[1]", "is not a known value"), RpcErrors.InvalidArgument(() =>
            RequestFields.Filter(new ListChatsRequest { ChatTypes = { ChatType.Responded24H, (ChatType)99 } })));
        Assert.Equal("statuses[0]", RpcErrors.InvalidArgument(() =>
            RequestFields.Filter(new ExportChatsRequest { Statuses = { ChatStatus.Unspecified } })).Field);
        Assert.Equal(("ratings[0]", "must be 1 to 5"), RpcErrors.InvalidArgument(() =>
            RequestFields.Filter(new ListChatsRequest { Ratings = { 6 } })));
        Assert.Equal("tags[0]", RpcErrors.InvalidArgument(() => RequestFields.Filter(new ListChatsRequest { Tags = { "" } })).Field);
    }
}
