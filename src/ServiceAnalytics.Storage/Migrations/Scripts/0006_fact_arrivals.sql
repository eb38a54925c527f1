-- When facts arrived, so a query knows exactly which chats changed after the rollup computed their rows.
--
-- Ingestion appends one row per chat (and per customer, for orders) that an accepted batch touched, after the
-- batch's facts are committed; `arrived_at` is stamped by ClickHouse when that row is inserted, so every fact of a
-- row stamped before an instant T was readable at T. A shop settings change is a row with neither id (every chat
-- of the shop). Rows are needed only until the next rollup run has read the facts; 30 days keeps them well past
-- that, and a row computed longer ago than that is recomputed (ChatOutcomes.ChatsToRecompute).
CREATE TABLE IF NOT EXISTS {{table:fact_arrivals}}{{on_cluster}}
(
    shop_id String,
    arrived_at DateTime64(6, 'UTC') DEFAULT now64(6),
    chat_id String,
    customer_id String
)
ENGINE = MergeTree
ORDER BY (shop_id, arrived_at)
TTL toDateTime(arrived_at) + INTERVAL 30 DAY;
-- distribute: fact_arrivals BY cityHash64(shop_id)

-- When the rollup began reading the facts a row was computed from (ClickHouse's clock, like `arrived_at`; rows
-- written before this migration read 1970, i.e. "recompute").
ALTER TABLE {{table:settled_chats}}{{on_cluster}} ADD COLUMN IF NOT EXISTS computed_at DateTime64(6, 'UTC');

-- Forget the settled watermark, so the next scheduled run computes all history with `computed_at` set.
TRUNCATE TABLE IF EXISTS {{table:rollup_runs}}{{on_cluster}};
