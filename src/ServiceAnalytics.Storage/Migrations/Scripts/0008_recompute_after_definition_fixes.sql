-- Definitions corrected (issue 13), so settled rows and daily summaries written before hold figures computed the old
-- way: greetings and off-hours auto-replies sent under an agent's account counted as human replies; medians and
-- 90th percentiles took the value at rank ⌊q·n⌋ instead of interpolating; a cancellation naming another customer than
-- its order's voided nothing. Forget the settled watermark, so the next scheduled run recomputes all history.
TRUNCATE TABLE IF EXISTS {{table:rollup_runs}}{{on_cluster}};
