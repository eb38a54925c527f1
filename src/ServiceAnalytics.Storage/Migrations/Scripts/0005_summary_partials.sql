-- The daily summaries keep what the query RPCs need to merge days into a period (MetricQueries.HeadlinePartials,
-- AgentPartials): a day's counts add up, but its median or p90 does not, so each row also holds the day's first
-- response times (shop) and response times (agent), in milliseconds, sorted. A period of settled days is then
-- read from its days' rows instead of its chats'.
ALTER TABLE {{table:shop_daily_summary}}{{on_cluster}} ADD COLUMN IF NOT EXISTS first_responses_ms Array(Int64);
ALTER TABLE {{table:agent_daily_summary}}{{on_cluster}} ADD COLUMN IF NOT EXISTS response_ms Array(Int64);

-- Rows written before this migration lack them: forget the settled watermark, so the next scheduled run settles
-- all history again (its first run) and until then the RPCs compute every day from the facts — correct, slower.
TRUNCATE TABLE IF EXISTS {{table:rollup_runs}}{{on_cluster}};
