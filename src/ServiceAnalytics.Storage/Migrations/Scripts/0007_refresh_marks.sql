-- Which facts a run's rows reflect, so the query RPCs can serve its snapshot (docs/rollups.md, "Refreshes").
--
-- A scheduled run and a refresh both leave every day after the watermark computed, for every shop, from the facts
-- that arrived before `arrivals_through` (ClickHouse's clock, like `fact_arrivals.arrived_at`, read as the run
-- began): the scheduled run by computing every shop, a refresh by computing the shops with an arrival since the
-- previous mark (or a pending inquiry whose 24 hours have closed). Recomputations of a range leave it NULL.
ALTER TABLE {{table:rollup_runs}}{{on_cluster}} ADD COLUMN IF NOT EXISTS arrivals_through Nullable(DateTime64(6, 'UTC'));

-- A refresh reads the arrivals of all shops since the latest mark, every minute: a min-max index on arrived_at lets
-- it skip the parts (of all 30 days kept) written before.
ALTER TABLE {{table:fact_arrivals}}{{on_cluster}} ADD INDEX IF NOT EXISTS arrived_at_range arrived_at TYPE minmax GRANULARITY 1;

ALTER TABLE {{table:fact_arrivals}}{{on_cluster}} MATERIALIZE INDEX arrived_at_range;
