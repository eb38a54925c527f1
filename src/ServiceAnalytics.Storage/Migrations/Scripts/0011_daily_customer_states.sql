-- A day's potential and converted customers count the distinct customers of the 28 days ending with it, which do not
-- add up from the days' counts. Each shop_daily_summary row now also keeps the set of its own day's customers (and of
-- those with a converted chat) as a uniqExact state, so a run that recomputes a few days merges the stored states of
-- the 27 days before them instead of reading those days' chats again (OutcomePartials.CustomerStates; docs/rollups.md).
-- The states are the run's partials: the BI views do not show them.
ALTER TABLE {{table:shop_daily_summary}}{{on_cluster}}
    ADD COLUMN IF NOT EXISTS customers_state AggregateFunction(uniqExact, String),
    ADD COLUMN IF NOT EXISTS converted_customers_state AggregateFunction(uniqExact, String);
ALTER TABLE {{distributed:shop_daily_summary}}{{on_cluster}}
    ADD COLUMN IF NOT EXISTS customers_state AggregateFunction(uniqExact, String),
    ADD COLUMN IF NOT EXISTS converted_customers_state AggregateFunction(uniqExact, String);

-- Rows written before this migration hold empty states: forget the settled watermark, so the next scheduled run settles
-- all history again (its first run) and until then the RPCs compute every day from the facts — correct, slower.
TRUNCATE TABLE IF EXISTS {{table:rollup_runs}}{{on_cluster}};
