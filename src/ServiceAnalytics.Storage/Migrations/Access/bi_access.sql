-- Read-only, shop-scoped BI access on a ClickHouse server (docs/bi-access.md). Not a numbered migration: the
-- migrator applies it after them on every start when ClickHouse:BiAccess:Enabled is true, since it follows the
-- configuration (role names, limits), and records nothing. Every statement is idempotent: CREATE … IF NOT EXISTS
-- makes an object once, then GRANT and ALTER set it to the configured definition, keeping its id (users and
-- operators' policies refer to roles by id: OR REPLACE would cut those links).
-- Placeholders besides SchemaTarget's: {{reader_role}}, {{analyst_role}}, {{profile}}, {{no_shops_policy}},
-- {{all_shops_policy}}
-- (checked identifiers, quoted) and {{max_execution_time}}, {{max_result_rows}}, {{max_result_bytes}},
-- {{max_memory_usage}} (integers). Every BI view is named below in each list: a test compares them with BiViews.Names.
CREATE ROLE IF NOT EXISTS {{reader_role}}{{on_cluster}};
CREATE ROLE IF NOT EXISTS {{analyst_role}}{{on_cluster}};
-- The reader role may SELECT the BI views and nothing else. The views are SQL SECURITY DEFINER views: they read
-- the service's tables with their definer's rights, so the role needs no grant on any table.
GRANT{{on_cluster}} SELECT ON {{database}}.bi_chats TO {{reader_role}};
GRANT{{on_cluster}} SELECT ON {{database}}.bi_shop_daily TO {{reader_role}};
GRANT{{on_cluster}} SELECT ON {{database}}.bi_agent_daily TO {{reader_role}};
GRANT{{on_cluster}} SELECT ON {{database}}.bi_tag_daily TO {{reader_role}};
GRANT{{on_cluster}} SELECT ON {{database}}.bi_messages TO {{reader_role}};
GRANT{{on_cluster}} {{reader_role}} TO {{analyst_role}};
-- readonly = 1: reads only, and no setting can be changed (not by SET, not in a URL); CONST makes each value a
-- constraint as well, so another profile or a later change of readonly cannot lift a limit either.
CREATE SETTINGS PROFILE IF NOT EXISTS {{profile}}{{on_cluster}};
ALTER SETTINGS PROFILE {{profile}}{{on_cluster}}
    SETTINGS readonly = 1 CONST,
        max_execution_time = {{max_execution_time}} CONST,
        max_result_rows = {{max_result_rows}} CONST,
        max_result_bytes = {{max_result_bytes}} CONST,
        result_overflow_mode = 'throw' CONST,
        max_memory_usage = {{max_memory_usage}} CONST
    TO {{reader_role}}, {{analyst_role}};
-- Row policies: a user with a permissive policy on a view sees only the rows its policies allow (OR-ed). The
-- readers' USING 0 policy gives every reader one, so a reader whose operator has not yet given it its shops sees no
-- row, also on servers where users_without_row_policies_can_read_rows lets users without a policy read every row
-- (ClickHouse's default). The platform's analysts see every shop; operators add one policy per shop-scoped user.
CREATE ROW POLICY IF NOT EXISTS {{no_shops_policy}}{{on_cluster}}
    ON {{database}}.bi_chats, {{database}}.bi_shop_daily, {{database}}.bi_agent_daily, {{database}}.bi_tag_daily, {{database}}.bi_messages
    FOR SELECT USING 0 AS PERMISSIVE TO {{reader_role}};
ALTER ROW POLICY {{no_shops_policy}}{{on_cluster}}
    ON {{database}}.bi_chats, {{database}}.bi_shop_daily, {{database}}.bi_agent_daily, {{database}}.bi_tag_daily, {{database}}.bi_messages
    FOR SELECT USING 0 AS PERMISSIVE TO {{reader_role}};
CREATE ROW POLICY IF NOT EXISTS {{all_shops_policy}}{{on_cluster}}
    ON {{database}}.bi_chats, {{database}}.bi_shop_daily, {{database}}.bi_agent_daily, {{database}}.bi_tag_daily, {{database}}.bi_messages
    FOR SELECT USING 1 AS PERMISSIVE TO {{analyst_role}};
ALTER ROW POLICY {{all_shops_policy}}{{on_cluster}}
    ON {{database}}.bi_chats, {{database}}.bi_shop_daily, {{database}}.bi_agent_daily, {{database}}.bi_tag_daily, {{database}}.bi_messages
    FOR SELECT USING 1 AS PERMISSIVE TO {{analyst_role}};
