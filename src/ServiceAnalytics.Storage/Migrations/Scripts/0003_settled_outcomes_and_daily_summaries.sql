-- Rollups written by the rollup job (src/ServiceAnalytics.Storage/Rollups, docs/rollups.md).
--
-- What a materialized view cannot keep — whether an inquiry was answered within 24 h, which chats ended
-- non-responded or converted within 7 days — is settled by the job: it computes the per-chat outcomes of
-- docs/metrics.md (the same SQL the query RPCs run, `ChatOutcomes`) for a window of recent local days and
-- replaces those days here. Every table is partitioned by the month of the shop's local day, and a run swaps in
-- whole months with ALTER TABLE … REPLACE PARTITION from a staging copy holding the recomputed days and the
-- month's other days as they were: a month is replaced atomically, a rerun writes the same rows, and two runs
-- racing leave one complete copy of each month, never both. (Months, not days: a query over 30 days then reads
-- a few parts, not dozens.) BI tools read these tables as they are; nothing needs FINAL or a GROUP BY.

-- One row per chat received, as settled on `settled_at`: the columns of `ChatOutcomes` (docs/metrics.md).
CREATE TABLE IF NOT EXISTS {{table:settled_chats}}{{on_cluster}}
(
    shop_id String,
    -- Local day (shop's zone) of received_at: the day whose rollup holds the chat.
    day Date,
    chat_id String,
    received_at DateTime64(3, 'UTC'),
    customer_id String,
    received Bool,
    responses_counted Bool,
    answered_in_24h UInt64,
    answered_late UInt64,
    not_answered UInt64,
    pending UInt64,
    first_response_ms Nullable(Int64),
    stars UInt8,
    tags Array(String),
    current_agent String,
    -- (assigned at, from agent, to agent).
    assignments Array(Tuple(DateTime64(3, 'UTC'), String, String)),
    replying_agents Array(String),
    status String,
    chat_type String,
    converted Bool,
    -- (asked at, response ms or -1, credited or charged agent).
    inquiries Array(Tuple(DateTime64(3, 'UTC'), Int64, String)),
    settled_at DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (shop_id, received_at, chat_id);
-- distribute: settled_chats BY cityHash64(shop_id)

-- One row per shop and local day with chats received: the overview's figures for that day (the customer counts
-- over the 28 days ending with it) and the status breakdown.
CREATE TABLE IF NOT EXISTS {{table:shop_daily_summary}}{{on_cluster}}
(
    shop_id String,
    day Date,
    chats_received UInt64,
    inquiries_answered_within_24h UInt64,
    inquiries_counted UInt64,
    inquiries_pending UInt64,
    first_responses_measured UInt64,
    first_response_mean_seconds Nullable(Float64),
    first_response_median_seconds Nullable(Float64),
    first_response_p90_seconds Nullable(Float64),
    -- Chats received by latest rating, 1 to 5 stars.
    rating_distribution Array(UInt64),
    converted_chats UInt64,
    chats_responded_24h UInt64,
    chats_responded_late UInt64,
    chats_non_responded UInt64,
    chats_pending UInt64,
    chats_assistant_solved UInt64,
    chats_no_inquiry UInt64,
    potential_customers UInt64,
    converted_customers UInt64,
    settled_at DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(day)
ORDER BY shop_id;
-- distribute: shop_daily_summary BY cityHash64(shop_id)

-- One row per shop, local day and agent ('' = unassigned): the agent details of that day.
CREATE TABLE IF NOT EXISTS {{table:agent_daily_summary}}{{on_cluster}}
(
    shop_id String,
    day Date,
    agent_id String,
    display_name String,
    chats_handled UInt64,
    inquiries_answered UInt64,
    inquiries_answered_within_24h UInt64,
    inquiries_answered_late UInt64,
    inquiries_non_responded UInt64,
    chats_rated UInt64,
    chats_rated_4_or_5 UInt64,
    response_mean_seconds Nullable(Float64),
    response_p90_seconds Nullable(Float64),
    transfers_in UInt64,
    transfers_out UInt64,
    settled_at DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (shop_id, agent_id);
-- distribute: agent_daily_summary BY cityHash64(shop_id)

-- One row per rollup run, finished or failed: what the job-status RPC and the health check report, and where
-- the settled watermark (the last local day whose rows no scheduled run will change again) is read from.
CREATE TABLE IF NOT EXISTS {{table:rollup_runs}}{{on_cluster}}
(
    run_id String,
    instance String,
    reason LowCardinality(String),
    started_at DateTime64(3, 'UTC'),
    finished_at DateTime64(3, 'UTC'),
    first_day Date,
    last_day Date,
    shops UInt64,
    rows_written UInt64,
    -- Set by a successful scheduled run: every day up to it was recomputed after its late-fact window closed.
    settled_through Nullable(Date),
    error String
)
ENGINE = MergeTree
ORDER BY started_at;
-- distribute: rollup_runs BY rand()
