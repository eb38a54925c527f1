-- Aggregates kept by materialized views as facts arrive.
--
-- A view sees only the block being inserted, and a producer may re-send a fact, so every column here is an
-- aggregate that a duplicate cannot change (min, max, a set of unique tuples), and nothing joins across facts:
-- what needs several kinds of facts at once (an inquiry and its answer, a chat and an order a week later) is
-- kept as the raw material for that question, settled when it is asked. Read with the same function that keeps
-- the column (min(), max(), groupUniqArrayArray()) and GROUP BY the key: parts not yet merged hold partial values.

-- Per chat: the response timeline and the milestones the response metrics start from.
CREATE TABLE IF NOT EXISTS {{table:chat_responses}}{{on_cluster}}
(
    shop_id String,
    chat_id String,
    -- Every message once: (sent at, message id, sender role, message kind, expects no reply, agent id).
    -- Inquiries and the human replies that answer them are read off this timeline in order.
    timeline SimpleAggregateFunction(groupUniqArrayArray, Array(Tuple(at DateTime64(3, 'UTC'), message_id String, sender_role String, message_kind String, expects_no_reply Bool, agent_id String))),
    first_customer_message_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    first_inquiry_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    first_human_reply_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    first_assistant_solution_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    last_message_at SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
    -- Every resolution once: (resolved at, resolved by); the latest one counts.
    resolutions SimpleAggregateFunction(groupUniqArrayArray, Array(Tuple(at DateTime64(3, 'UTC'), resolved_by String))),
    ended_at SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC')))
)
ENGINE = AggregatingMergeTree
ORDER BY (shop_id, chat_id);
-- distribute: chat_responses BY cityHash64(shop_id)

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table:chat_responses_from_messages}}{{on_cluster}} TO {{table:chat_responses}} AS
SELECT
    shop_id,
    chat_id,
    groupUniqArray(tuple(occurred_at, message_id, toString(sender_role), toString(message_kind), expects_no_reply, agent_id)) AS timeline,
    minIf(toNullable(occurred_at), sender_role = 'customer') AS first_customer_message_at,
    minIf(toNullable(occurred_at), sender_role = 'customer' AND NOT expects_no_reply) AS first_inquiry_at,
    minIf(toNullable(occurred_at), sender_role = 'agent') AS first_human_reply_at,
    minIf(toNullable(occurred_at), sender_role = 'assistant' AND message_kind = 'faq_card') AS first_assistant_solution_at,
    max(toNullable(occurred_at)) AS last_message_at,
    CAST([], 'Array(Tuple(at DateTime64(3, \'UTC\'), resolved_by String))') AS resolutions,
    CAST(NULL, 'Nullable(DateTime64(3, \'UTC\'))') AS ended_at
FROM {{table:chat_messages}}
GROUP BY shop_id, chat_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table:chat_responses_from_events}}{{on_cluster}} TO {{table:chat_responses}} AS
SELECT
    shop_id,
    chat_id,
    CAST([], 'Array(Tuple(at DateTime64(3, \'UTC\'), message_id String, sender_role String, message_kind String, expects_no_reply Bool, agent_id String))') AS timeline,
    CAST(NULL, 'Nullable(DateTime64(3, \'UTC\'))') AS first_customer_message_at,
    CAST(NULL, 'Nullable(DateTime64(3, \'UTC\'))') AS first_inquiry_at,
    CAST(NULL, 'Nullable(DateTime64(3, \'UTC\'))') AS first_human_reply_at,
    CAST(NULL, 'Nullable(DateTime64(3, \'UTC\'))') AS first_assistant_solution_at,
    CAST(NULL, 'Nullable(DateTime64(3, \'UTC\'))') AS last_message_at,
    groupUniqArrayIf(tuple(occurred_at, toString(resolved_by)), kind = 'resolved') AS resolutions,
    maxIf(toNullable(occurred_at), kind = 'ended') AS ended_at
FROM {{table:chat_events}}
WHERE kind IN ('resolved', 'ended')
GROUP BY shop_id, chat_id;

-- Per customer of a shop: their chats and their orders, for the 7-day conversion window.
CREATE TABLE IF NOT EXISTS {{table:customer_conversions}}{{on_cluster}}
(
    shop_id String,
    customer_id String,
    -- Every chat the customer started: (chat id, started at).
    chats SimpleAggregateFunction(groupUniqArrayArray, Array(Tuple(chat_id String, started_at DateTime64(3, 'UTC')))),
    -- Every order placed: (order id, placed at, amount in minor units, currency).
    orders SimpleAggregateFunction(groupUniqArrayArray, Array(Tuple(order_id String, placed_at DateTime64(3, 'UTC'), amount_minor Int64, currency String))),
    -- Orders cancelled or refunded since: they do not convert.
    voided_order_ids SimpleAggregateFunction(groupUniqArrayArray, Array(String))
)
ENGINE = AggregatingMergeTree
ORDER BY (shop_id, customer_id);
-- distribute: customer_conversions BY cityHash64(shop_id)

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table:customer_conversions_from_chats}}{{on_cluster}} TO {{table:customer_conversions}} AS
SELECT
    shop_id,
    customer_id,
    groupUniqArray(tuple(chat_id, occurred_at)) AS chats,
    CAST([], 'Array(Tuple(order_id String, placed_at DateTime64(3, \'UTC\'), amount_minor Int64, currency String))') AS orders,
    CAST([], 'Array(String)') AS voided_order_ids
FROM {{table:chat_starts}}
GROUP BY shop_id, customer_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{table:customer_conversions_from_orders}}{{on_cluster}} TO {{table:customer_conversions}} AS
SELECT
    shop_id,
    customer_id,
    CAST([], 'Array(Tuple(chat_id String, started_at DateTime64(3, \'UTC\')))') AS chats,
    groupUniqArrayIf(tuple(order_id, occurred_at, amount_minor, toString(currency)), kind = 'placed') AS orders,
    groupUniqArrayIf(order_id, kind IN ('cancelled', 'refunded')) AS voided_order_ids
FROM {{table:orders}}
GROUP BY shop_id, customer_id;
