-- The BI schema (docs/bi.md): views that BI tools read instead of the service's tables, each already deduplicated and
-- of one definition with the query RPCs (docs/metrics.md). Names are those of Storage/Bi/BiViews.cs.
--
-- The chat, shop, agent and tag views show what the latest rollup run left (docs/rollups.md): the settled days and
-- the snapshot of the days after, every chat as that run computed it. `as_of` is the instant of the latest snapshot
-- (the run's `now`, as the RPCs' `as_of` while they serve it); the run log holds no shop's rows, only that instant is
-- read from it. `bi_messages` reads the raw messages, deduplicated.
--
-- Every view runs with its definer's rights (SQL SECURITY DEFINER), so a BI user needs SELECT on the views only, and
-- every view has `shop_id`, by which a server's row policies and the SQL endpoint scope a BI user to its shops.
-- `{{reads:name}}` is the table queries read: on a cluster the Distributed table, so a view sees every shard.
-- Column types are those of the SELECT (a declared type differing from it adds a conversion), except the tuples,
-- named here so a BI user writes `a.to_agent_id`, not `a.3`.

CREATE OR REPLACE VIEW {{database}}.bi_chats{{on_cluster}}
(
    shop_id String COMMENT 'The shop.',
    day Date COMMENT 'Local day (in the shop time zone) of received_at: the day a period counts the chat on.',
    chat_id String COMMENT 'The chat, unique within its shop.',
    received_at DateTime64(3, 'UTC') COMMENT 'First customer message of the chat (UTC): the chat belongs to the period holding it.',
    customer_id String COMMENT 'The customer who started the chat; empty while its ChatStarted fact is missing (such a chat counts as received but not among customers).',
    status String COMMENT 'Lifecycle: ended (a ChatEnded fact exists), else resolved (a ChatResolved exists), else active.',
    chat_type String COMMENT 'The status breakdown category, judged by the first inquiry: responded_24h, responded_late, non_responded, pending, assistant_solved, no_inquiry.',
    responses_counted Bool COMMENT 'Whether the inquiries and first response of the chat count for the 24-hour response rate and first response times: false for assistant-solved chats and chats received on a shop holiday.',
    inquiries_answered_within_24h UInt64 COMMENT 'Inquiries of the chat answered by a human within 24 hours (at most 24 h exactly).',
    inquiries_answered_late UInt64 COMMENT 'Inquiries of the chat answered by a human after more than 24 hours.',
    inquiries_non_responded UInt64 COMMENT 'Inquiries of the chat without a human reply whose 24 hours had passed at as_of.',
    inquiries_pending UInt64 COMMENT 'Inquiries of the chat without a human reply still inside their 24 hours at as_of: not counted by the response rate yet.',
    first_response_ms Nullable(Int64) COMMENT 'First inquiry start to its human reply, in milliseconds; NULL when the first inquiry has no human reply or there is none.',
    first_response_seconds Nullable(Float64) COMMENT 'first_response_ms in seconds.',
    stars UInt8 COMMENT 'Latest rating, 1 to 5 stars; 0 when the chat is unrated.',
    converted Bool COMMENT 'The customer placed an order after the chat ended and at most 7 days after it, not cancelled or refunded since.',
    tags Array(String) COMMENT 'Initial and added tags, each once, sorted.',
    current_agent_id String COMMENT 'Agent of the latest assignment; empty when never assigned.',
    replying_agent_ids Array(String) COMMENT 'Agents who sent a human message in the chat (greetings and off-hours auto-replies do not count): the agents that handled it.',
    transfers UInt64 COMMENT 'Assignments moving the chat from one agent to another (a first assignment is none).',
    assignments Array(Tuple(assigned_at DateTime64(3, 'UTC'), from_agent_id String, to_agent_id String)) COMMENT 'Assignments in order: (assigned_at, from_agent_id, to_agent_id); from_agent_id is the previous assignee, empty for the first.',
    inquiries Array(Tuple(asked_at DateTime64(3, 'UTC'), response_ms Int64, agent_id String)) COMMENT 'Inquiries in order: (asked_at, response_ms or -1 when unanswered, agent_id credited with the reply or charged with the miss; empty for unassigned).',
    settled_at DateTime64(3, 'UTC') COMMENT 'When the rollup run that computed this row ran.',
    as_of Nullable(DateTime64(3, 'UTC')) COMMENT 'Instant of the latest rollup snapshot: the figures include the facts that arrived before about then. NULL before any rollup run.'
)
DEFINER = CURRENT_USER SQL SECURITY DEFINER
AS
WITH
    (
        SELECT if(countIf(arrivals_through IS NOT NULL) = 0, NULL, argMaxIf(started_at, arrivals_through, arrivals_through IS NOT NULL))
        FROM {{reads:rollup_runs}} WHERE error = ''
    ) AS latest_snapshot
SELECT
    shop_id, day, chat_id, received_at, customer_id, status, chat_type, responses_counted,
    answered_in_24h AS inquiries_answered_within_24h, answered_late AS inquiries_answered_late,
    not_answered AS inquiries_non_responded, pending AS inquiries_pending,
    first_response_ms, first_response_ms / 1000 AS first_response_seconds,
    stars, converted, tags, current_agent AS current_agent_id, replying_agents AS replying_agent_ids,
    toUInt64(arrayCount(a -> a.2 != '', assignments)) AS transfers, assignments, inquiries, settled_at, latest_snapshot AS as_of
FROM {{reads:settled_chats}}
WHERE received
COMMENT 'One row per chat received (chats the seller started are not received and are left out), as the latest rollup run computed it. docs/bi.md';

CREATE OR REPLACE VIEW {{database}}.bi_shop_daily{{on_cluster}}
(
    shop_id String COMMENT 'The shop.',
    day Date COMMENT 'Local day (in the shop time zone). Days without chats received have no row.',
    chats_received UInt64 COMMENT 'Chats received on the day (first customer message; seller-started chats excluded).',
    inquiries UInt64 COMMENT 'Inquiries counted by the 24-hour response rate: answered or past their 24 hours, of chats neither assistant-solved nor received on a holiday.',
    inquiries_answered_within_24h UInt64 COMMENT 'Of those, answered by a human within 24 hours.',
    inquiries_pending UInt64 COMMENT 'Inquiries still inside their 24 hours without a human reply (not counted yet).',
    response_rate_24h Nullable(Float64) COMMENT 'The day alone: inquiries_answered_within_24h / inquiries; NULL without inquiries. Do not average over days: divide sums.',
    first_responses_measured UInt64 COMMENT 'Chats counted by the response rate whose first inquiry has a human reply.',
    first_response_mean_seconds Nullable(Float64) COMMENT 'The day alone: mean first response time, seconds.',
    first_response_median_seconds Nullable(Float64) COMMENT 'The day alone: median first response time, seconds. A period median comes from first_responses_ms, never from daily medians.',
    first_response_p90_seconds Nullable(Float64) COMMENT 'The day alone: 90th percentile first response time (interpolated), seconds.',
    first_responses_ms Array(Int64) COMMENT 'Every first response time of the day, milliseconds, sorted: merge the days of a period with quantilesExactInclusiveArray.',
    rating_distribution Array(UInt64) COMMENT 'Chats received by latest rating: [1 star, 2, 3, 4, 5 stars].',
    chats_rated UInt64 COMMENT 'Chats received with a rating.',
    chats_rated_4_or_5 UInt64 COMMENT 'Chats received whose latest rating is 4 or 5 stars.',
    satisfaction_rate Nullable(Float64) COMMENT 'The day alone: chats_rated_4_or_5 / chats_received.',
    converted_chats UInt64 COMMENT 'Chats received after which the customer ordered within 7 days.',
    conversion_rate Nullable(Float64) COMMENT 'The day alone: converted_chats / chats_received.',
    chats_responded_24h UInt64 COMMENT 'Status breakdown: first inquiry answered by a human within 24 hours.',
    chats_responded_late UInt64 COMMENT 'Status breakdown: first inquiry answered after 24 hours.',
    chats_non_responded UInt64 COMMENT 'Status breakdown: first inquiry without a human reply, its 24 hours over.',
    chats_pending UInt64 COMMENT 'Status breakdown: first inquiry without a human reply, inside its 24 hours.',
    chats_assistant_solved UInt64 COMMENT 'Status breakdown: solved by the assistant, no human message.',
    chats_no_inquiry UInt64 COMMENT 'Status breakdown: the customer only sent messages expecting no reply.',
    potential_customers UInt64 COMMENT 'Distinct customers with a chat received in the 28 days ending with this day (not additive over days).',
    converted_customers UInt64 COMMENT 'Of those, customers with a converted chat among those chats (not additive over days).',
    settled_at DateTime64(3, 'UTC') COMMENT 'When the rollup run that computed this row ran.',
    as_of Nullable(DateTime64(3, 'UTC')) COMMENT 'Instant of the latest rollup snapshot: the figures include the facts that arrived before about then. NULL before any rollup run.'
)
DEFINER = CURRENT_USER SQL SECURITY DEFINER
AS
WITH
    (
        SELECT if(countIf(arrivals_through IS NOT NULL) = 0, NULL, argMaxIf(started_at, arrivals_through, arrivals_through IS NOT NULL))
        FROM {{reads:rollup_runs}} WHERE error = ''
    ) AS latest_snapshot
SELECT
    shop_id, day, chats_received, inquiries_counted AS inquiries, inquiries_answered_within_24h, inquiries_pending,
    if(inquiries_counted = 0, NULL, inquiries_answered_within_24h / inquiries_counted) AS response_rate_24h,
    first_responses_measured, first_response_mean_seconds, first_response_median_seconds, first_response_p90_seconds, first_responses_ms,
    rating_distribution, arraySum(rating_distribution) AS chats_rated, rating_distribution[4] + rating_distribution[5] AS chats_rated_4_or_5,
    if(chats_received = 0, NULL, chats_rated_4_or_5 / chats_received) AS satisfaction_rate,
    converted_chats, if(chats_received = 0, NULL, converted_chats / chats_received) AS conversion_rate,
    chats_responded_24h, chats_responded_late, chats_non_responded, chats_pending, chats_assistant_solved, chats_no_inquiry,
    potential_customers, converted_customers, settled_at, latest_snapshot AS as_of
FROM {{reads:shop_daily_summary}}
COMMENT 'One row per shop and local day with chats received: the overview figures of that day, their partials (sums and sorted first response times) and the status breakdown. docs/bi.md';

CREATE OR REPLACE VIEW {{database}}.bi_agent_daily{{on_cluster}}
(
    shop_id String COMMENT 'The shop.',
    day Date COMMENT 'Local day (in the shop time zone) of the chats received.',
    agent_id String COMMENT 'The agent; empty for unassigned (inquiries that missed their 24 hours while nobody was assigned).',
    display_name String COMMENT 'Display name from the latest AgentUpserted fact of the agent; empty when unknown.',
    chats_handled UInt64 COMMENT 'Chats received on the day in which the agent sent a human message.',
    inquiries_answered UInt64 COMMENT 'Inquiries the agent answered (of chats counted by the response rate).',
    inquiries_answered_within_24h UInt64 COMMENT 'Of those, within 24 hours.',
    inquiries_answered_late UInt64 COMMENT 'Of those, after 24 hours.',
    inquiries_non_responded UInt64 COMMENT 'Inquiries never answered, charged to the agent assigned when their 24 hours closed.',
    response_rate_24h Nullable(Float64) COMMENT 'The day alone: inquiries_answered_within_24h / (inquiries_answered + inquiries_non_responded).',
    chats_rated UInt64 COMMENT 'Chats handled that carry a rating.',
    chats_rated_4_or_5 UInt64 COMMENT 'Chats handled whose latest rating is 4 or 5 stars.',
    satisfaction_rate Nullable(Float64) COMMENT 'The day alone: chats_rated_4_or_5 / chats_handled.',
    response_mean_seconds Nullable(Float64) COMMENT 'The day alone: mean response time of the inquiries answered, seconds.',
    response_p90_seconds Nullable(Float64) COMMENT 'The day alone: 90th percentile response time (interpolated), seconds. A period p90 comes from response_ms.',
    response_ms Array(Int64) COMMENT 'Response times of every inquiry the agent answered, milliseconds, sorted: merge days with quantileExactInclusiveArray.',
    transfers_in UInt64 COMMENT 'Transfers of these chats to the agent from another agent.',
    transfers_out UInt64 COMMENT 'Transfers of these chats from the agent to another agent.',
    settled_at DateTime64(3, 'UTC') COMMENT 'When the rollup run that computed this row ran.',
    as_of Nullable(DateTime64(3, 'UTC')) COMMENT 'Instant of the latest rollup snapshot: the figures include the facts that arrived before about then. NULL before any rollup run.'
)
DEFINER = CURRENT_USER SQL SECURITY DEFINER
AS
WITH
    (
        SELECT if(countIf(arrivals_through IS NOT NULL) = 0, NULL, argMaxIf(started_at, arrivals_through, arrivals_through IS NOT NULL))
        FROM {{reads:rollup_runs}} WHERE error = ''
    ) AS latest_snapshot
SELECT
    summary.shop_id AS shop_id, summary.day AS day, summary.agent_id AS agent_id, names.display_name AS display_name,
    summary.chats_handled AS chats_handled, summary.inquiries_answered AS inquiries_answered,
    summary.inquiries_answered_within_24h AS inquiries_answered_within_24h, summary.inquiries_answered_late AS inquiries_answered_late,
    summary.inquiries_non_responded AS inquiries_non_responded,
    if(summary.inquiries_answered + summary.inquiries_non_responded = 0, NULL,
       summary.inquiries_answered_within_24h / (summary.inquiries_answered + summary.inquiries_non_responded)) AS response_rate_24h,
    summary.chats_rated AS chats_rated, summary.chats_rated_4_or_5 AS chats_rated_4_or_5,
    if(summary.chats_handled = 0, NULL, summary.chats_rated_4_or_5 / summary.chats_handled) AS satisfaction_rate,
    summary.response_mean_seconds AS response_mean_seconds, summary.response_p90_seconds AS response_p90_seconds, summary.response_ms AS response_ms,
    summary.transfers_in AS transfers_in, summary.transfers_out AS transfers_out, summary.settled_at AS settled_at, latest_snapshot AS as_of
FROM {{reads:agent_daily_summary}} AS summary
LEFT JOIN
(
    SELECT shop_id, agent_id, argMax(display_name, occurred_at) AS display_name FROM {{reads:agents}} GROUP BY shop_id, agent_id
) AS names ON names.shop_id = summary.shop_id AND names.agent_id = summary.agent_id
COMMENT 'One row per shop, local day and agent with chats received that day concerning the agent: the agent details of that day and their partials. docs/bi.md';

CREATE OR REPLACE VIEW {{database}}.bi_tag_daily{{on_cluster}}
(
    shop_id String COMMENT 'The shop.',
    day Date COMMENT 'Local day (in the shop time zone) of the chats received.',
    tag String COMMENT 'The tag (initial or added).',
    chats UInt64 COMMENT 'Chats received on the day carrying the tag.',
    assistant_solved UInt64 COMMENT 'Of those, solved by the assistant.',
    human_handled UInt64 COMMENT 'Of those, needing a human: responded within 24 hours, late, non-responded or pending.',
    inquiries UInt64 COMMENT 'Inquiries of those chats counted by the 24-hour response rate.',
    answered_within_24h UInt64 COMMENT 'Of those, answered by a human within 24 hours.',
    response_rate_24h Nullable(Float64) COMMENT 'The day alone: answered_within_24h / inquiries.',
    converted_chats UInt64 COMMENT 'Chats carrying the tag that converted.',
    conversion_rate Nullable(Float64) COMMENT 'The day alone: converted_chats / chats.',
    as_of Nullable(DateTime64(3, 'UTC')) COMMENT 'Instant of the latest rollup snapshot: the figures include the facts that arrived before about then. NULL before any rollup run.'
)
DEFINER = CURRENT_USER SQL SECURITY DEFINER
AS
WITH
    (
        SELECT if(countIf(arrivals_through IS NOT NULL) = 0, NULL, argMaxIf(started_at, arrivals_through, arrivals_through IS NOT NULL))
        FROM {{reads:rollup_runs}} WHERE error = ''
    ) AS latest_snapshot
SELECT
    shop_id, day, tag,
    count() AS chats,
    countIf(chat_type = 'assistant_solved') AS assistant_solved,
    countIf(chat_type IN ('responded_24h', 'responded_late', 'non_responded', 'pending')) AS human_handled,
    sumIf(answered_in_24h + answered_late + not_answered, responses_counted) AS inquiries,
    sumIf(answered_in_24h, responses_counted) AS answered_within_24h,
    if(inquiries = 0, NULL, answered_within_24h / inquiries) AS response_rate_24h,
    countIf(converted) AS converted_chats,
    if(chats = 0, NULL, converted_chats / chats) AS conversion_rate,
    any(latest_snapshot) AS as_of
FROM {{reads:settled_chats}}
ARRAY JOIN tags AS tag
WHERE received
GROUP BY shop_id, day, tag
COMMENT 'One row per shop, local day and tag carried by a chat received that day: the tag breakdown of that day. Chats add up over days and tags do not (a chat has several tags). docs/bi.md';

CREATE OR REPLACE VIEW {{database}}.bi_messages{{on_cluster}}
(
    shop_id String COMMENT 'The shop.',
    chat_id String COMMENT 'The chat.',
    event_id String COMMENT 'The MessageSent fact (unique within the shop): one row each, copies re-sent by a producer counted once.',
    message_id String COMMENT 'The message.',
    occurred_at DateTime64(3, 'UTC') COMMENT 'When the message was sent (UTC). For the shop-local day join bi_chats on chat_id, or use the shop time zone.',
    sender_role LowCardinality(String) COMMENT 'customer, agent, assistant or system.',
    agent_id String COMMENT 'The sending agent for agent messages; empty otherwise.',
    message_kind LowCardinality(String) COMMENT 'Kind of message (text, faq_card, greeting, off_hours_auto_reply, ...); greetings and off-hours auto-replies answer no inquiry.',
    expects_no_reply Bool COMMENT 'A customer message that opens no inquiry.'
)
DEFINER = CURRENT_USER SQL SECURITY DEFINER
AS
SELECT shop_id, chat_id, event_id, message_id, occurred_at, sender_role, agent_id, message_kind, expects_no_reply
FROM {{reads:chat_messages}} FINAL
COMMENT 'One row per message (MessageSent fact), deduplicated, as ingested (not a rollup: current to the last acknowledged batch). docs/bi.md';
