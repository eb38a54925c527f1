using ServiceAnalytics.Storage.Migrations;
using ServiceAnalytics.Storage.Rollups;

namespace ServiceAnalytics.UnitTests.Storage;

/// <summary>The DDL of a run's staging tables, on one node and on a cluster: the statements the migrations' rendering gives.</summary>
public sealed class RollupStagingTests
{
    private const string Stage = "settled_chats_stage_0123456789abcdef";

    private const string NoMerges = "max_bytes_to_merge_at_max_space_in_pool = 1, max_bytes_to_merge_at_min_space_in_pool = 1";

    [Fact]
    public void On_one_node_a_stage_is_a_copy_of_its_table_that_merges_nothing_in_the_background()
    {
        var target = SchemaTarget.SingleNode("analytics");

        Assert.Equal(
            [
                "CREATE TABLE `analytics`.`settled_chats_stage_0123456789abcdef` AS `analytics`.`settled_chats`",
                "ALTER TABLE `analytics`.`settled_chats_stage_0123456789abcdef` MODIFY SETTING " + NoMerges,
            ],
            RollupStaging.CreateStatements(target, "settled_chats", Stage));
    }

    [Fact]
    public void On_a_cluster_a_stage_is_a_local_copy_on_every_node_with_a_distributed_table_over_them()
    {
        var target = SchemaTarget.OnCluster("analytics", "main");

        Assert.Equal(
            [
                "CREATE TABLE `analytics`.`settled_chats_stage_0123456789abcdef_local` ON CLUSTER `main` AS `analytics`.`settled_chats_local`",
                "ALTER TABLE `analytics`.`settled_chats_stage_0123456789abcdef_local` ON CLUSTER `main` MODIFY SETTING " + NoMerges,
                "CREATE TABLE IF NOT EXISTS `analytics`.`settled_chats_stage_0123456789abcdef` ON CLUSTER `main` AS "
                + "`analytics`.`settled_chats_stage_0123456789abcdef_local` ENGINE = Distributed(`main`, `analytics`, "
                + "`settled_chats_stage_0123456789abcdef_local`, cityHash64(shop_id))",
            ],
            RollupStaging.CreateStatements(target, "settled_chats", Stage));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("main")]
    public void The_statements_are_those_a_migration_template_of_the_stage_renders_to(string? cluster)
    {
        var target = cluster is null ? SchemaTarget.SingleNode("analytics") : SchemaTarget.OnCluster("analytics", cluster);
        // The staging DDL as it was written before: a migration template of the stage, rendered.
        var template = "CREATE TABLE {{table:" + Stage + "}}{{on_cluster}} AS {{table:settled_chats}};\n"
            + "ALTER TABLE {{table:" + Stage + "}}{{on_cluster}} MODIFY SETTING " + NoMerges + ";\n"
            + "-- distribute: " + Stage + " BY cityHash64(shop_id)";

        Assert.Equal(target.Render(template), RollupStaging.CreateStatements(target, "settled_chats", Stage));
    }
}
