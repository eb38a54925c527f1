-- Raw fact tables: one per family of facts in protos/service_analytics/ingest/v1/facts.proto.
--
-- Every table is a ReplacingMergeTree whose sorting key ends in event_id, so a fact re-sent by a producer
-- collapses into one row when parts merge; readers that must not see a not-yet-merged duplicate use
-- aggregates that ignore duplicates (uniqExact, min, max, argMax) or FINAL. Partitions are months of
-- occurred_at: a re-sent fact has the same occurred_at, so it always lands in the partition of the original.
-- Sorting keys start with shop_id: every read the service makes is for one shop.

-- ChatStarted.
CREATE TABLE IF NOT EXISTS {{table:chat_starts}}{{on_cluster}}
(
    shop_id String,
    chat_id String,
    event_id String,
    occurred_at DateTime64(3, 'UTC'),
    customer_id String,
    entry_point LowCardinality(String),
    initiator LowCardinality(String),
    tags Array(String),
    received_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (shop_id, chat_id, event_id);
-- distribute: chat_starts BY cityHash64(shop_id)

-- MessageSent.
CREATE TABLE IF NOT EXISTS {{table:chat_messages}}{{on_cluster}}
(
    shop_id String,
    chat_id String,
    event_id String,
    occurred_at DateTime64(3, 'UTC'),
    message_id String,
    sender_role LowCardinality(String),
    agent_id String,
    message_kind LowCardinality(String),
    expects_no_reply Bool,
    received_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (shop_id, chat_id, event_id);
-- distribute: chat_messages BY cityHash64(shop_id)

-- ChatAssigned, ChatTagged, ChatResolved, ChatEnded, ChatRated: what happened to a chat after it started.
CREATE TABLE IF NOT EXISTS {{table:chat_events}}{{on_cluster}}
(
    shop_id String,
    chat_id String,
    event_id String,
    occurred_at DateTime64(3, 'UTC'),
    kind LowCardinality(String),
    from_agent_id String,
    to_agent_id String,
    tags Array(String),
    resolved_by LowCardinality(String),
    stars UInt8,
    received_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (shop_id, chat_id, event_id);
-- distribute: chat_events BY cityHash64(shop_id)

-- OrderPlaced and OrderCancelled.
CREATE TABLE IF NOT EXISTS {{table:orders}}{{on_cluster}}
(
    shop_id String,
    customer_id String,
    order_id String,
    event_id String,
    occurred_at DateTime64(3, 'UTC'),
    kind LowCardinality(String),
    amount_minor Int64,
    currency LowCardinality(String),
    received_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (shop_id, customer_id, order_id, event_id);
-- distribute: orders BY cityHash64(shop_id)

-- AgentUpserted: the latest fact per agent wins.
CREATE TABLE IF NOT EXISTS {{table:agents}}{{on_cluster}}
(
    shop_id String,
    agent_id String,
    event_id String,
    occurred_at DateTime64(3, 'UTC'),
    display_name String,
    active Bool,
    received_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY (shop_id, agent_id, event_id);
-- distribute: agents BY cityHash64(shop_id)

-- ShopSettingsChanged: the latest fact per shop wins.
CREATE TABLE IF NOT EXISTS {{table:shop_settings}}{{on_cluster}}
(
    shop_id String,
    event_id String,
    occurred_at DateTime64(3, 'UTC'),
    time_zone String,
    business_hours Array(Tuple(iso_day_of_week UInt8, open_minute UInt16, close_minute UInt16)),
    holidays Array(Tuple(first_day Date32, last_day Date32)),
    received_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY (shop_id, event_id);
-- distribute: shop_settings BY cityHash64(shop_id)
