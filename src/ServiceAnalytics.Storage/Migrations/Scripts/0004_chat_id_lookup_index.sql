-- Authorization asks which shops a chat id belongs to (ShopOwnership, docs/security.md): chat ids are unique
-- within a shop only and the table is sorted by shop first, so without an index that question reads the whole
-- chat_id column. A bloom filter per granule lets it skip the granules that cannot hold the id.
ALTER TABLE {{table:chat_starts}}{{on_cluster}} ADD INDEX IF NOT EXISTS chat_id_lookup chat_id TYPE bloom_filter(0.01) GRANULARITY 1;

-- Parts written before this migration get the index too (a background mutation; lookups stay correct meanwhile).
ALTER TABLE {{table:chat_starts}}{{on_cluster}} MATERIALIZE INDEX chat_id_lookup;
