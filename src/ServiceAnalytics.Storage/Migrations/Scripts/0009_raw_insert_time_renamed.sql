-- The raw fact tables' `received_at` (0001) is when ClickHouse inserted the row, but everywhere else "received"
-- means a chat's first customer message (`settled_chats.received_at`, the overview's "chats received"). Renamed
-- to what it is. Nothing reads it: it is in no sorting or partition key, and the materialized views of 0002 read
-- other columns, so the rename is a metadata change (no data is rewritten) and every row keeps its value.
--
-- On a cluster the column is renamed on each node's storage (`name_local`) and on the Distributed table queries read,
-- whose columns were copied from the storage when it was created.

ALTER TABLE {{table:chat_starts}}{{on_cluster}} RENAME COLUMN IF EXISTS received_at TO inserted_at;
ALTER TABLE {{distributed:chat_starts}}{{on_cluster}} RENAME COLUMN IF EXISTS received_at TO inserted_at;

ALTER TABLE {{table:chat_messages}}{{on_cluster}} RENAME COLUMN IF EXISTS received_at TO inserted_at;
ALTER TABLE {{distributed:chat_messages}}{{on_cluster}} RENAME COLUMN IF EXISTS received_at TO inserted_at;

ALTER TABLE {{table:chat_events}}{{on_cluster}} RENAME COLUMN IF EXISTS received_at TO inserted_at;
ALTER TABLE {{distributed:chat_events}}{{on_cluster}} RENAME COLUMN IF EXISTS received_at TO inserted_at;

ALTER TABLE {{table:orders}}{{on_cluster}} RENAME COLUMN IF EXISTS received_at TO inserted_at;
ALTER TABLE {{distributed:orders}}{{on_cluster}} RENAME COLUMN IF EXISTS received_at TO inserted_at;

ALTER TABLE {{table:agents}}{{on_cluster}} RENAME COLUMN IF EXISTS received_at TO inserted_at;
ALTER TABLE {{distributed:agents}}{{on_cluster}} RENAME COLUMN IF EXISTS received_at TO inserted_at;

ALTER TABLE {{table:shop_settings}}{{on_cluster}} RENAME COLUMN IF EXISTS received_at TO inserted_at;
ALTER TABLE {{distributed:shop_settings}}{{on_cluster}} RENAME COLUMN IF EXISTS received_at TO inserted_at;
