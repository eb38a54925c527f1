using ServiceAnalytics.Storage.Bi;

namespace ServiceAnalytics.Tests.Bi;

/// <summary>
/// Every statement the SQL endpoint must refuse, run through <see cref="BiQueryRunner"/> on the real engine: each
/// fails with the ClickHouse error a read-only server with a BI role gives, and nothing was read or changed.
/// </summary>
public sealed class BiQueryGuardTests(BiRunnerFixture bi) : IClassFixture<BiRunnerFixture>
{
    private const int ReadOnly = 164;
    private const int AccessDenied = 497;

    public static TheoryData<string> Writes => new()
    {
        "INSERT INTO settled_chats VALUES ('shop-b', 'x', 'red')",
        "INSERT INTO bi_chats SELECT * FROM bi_chats",
        "ALTER TABLE settled_chats DELETE WHERE 1",
        "ALTER TABLE settled_chats ADD COLUMN extra UInt8",
        "DROP TABLE settled_chats",
        "DROP DATABASE {db}",
        "TRUNCATE TABLE settled_chats",
        "CREATE TABLE stolen ENGINE = MergeTree ORDER BY tuple() AS SELECT * FROM secret_facts",
        "CREATE VIEW bi_stolen AS SELECT * FROM secret_facts",
        "SYSTEM DROP DNS CACHE",
        "SYSTEM STOP MERGES",
        "KILL QUERY WHERE 1",
        "OPTIMIZE TABLE settled_chats FINAL",
        "RENAME TABLE settled_chats TO gone",
        "DELETE FROM settled_chats WHERE 1",
    };

    public static TheoryData<string> SettingChanges => new()
    {
        "SET max_result_rows = 0",
        "SET readonly = 0",
        "SET additional_table_filters = {'x': 'y'}",
        "SELECT * FROM bi_chats SETTINGS max_result_rows = 0",
        "SELECT * FROM bi_chats SETTINGS additional_table_filters = {'{db}.bi_chats': '1'}",
        "SELECT * FROM (SELECT * FROM bi_chats SETTINGS max_execution_time = 0)",
        "SELECT 1 UNION ALL SELECT count() FROM bi_chats SETTINGS max_memory_usage = 0",
        "SHOW TABLES SETTINGS max_threads = 1",
    };

    public static TheoryData<string> OutsideTheViews => new()
    {
        "SELECT * FROM settled_chats",
        "SELECT * FROM secret_facts",
        "SELECT * FROM {db}.secret_facts",
        "SELECT * FROM {db}.settled_chats",
        "SELECT * FROM bi_chats AS c INNER JOIN secret_facts AS s ON c.shop_id = s.shop_id",
        "SELECT * FROM bi_chats WHERE shop_id IN (SELECT shop_id FROM secret_facts)",
        "SELECT * FROM bi_chats WHERE shop_id IN secret_facts",
        "SELECT * FROM bi_chats WHERE (SELECT max(secret) FROM secret_facts) != ''",
        "WITH s AS (SELECT * FROM secret_facts) SELECT * FROM s",
        "WITH c AS (SELECT 1) SELECT * FROM secret_facts",
        "SELECT * FROM secret_facts WHERE shop_id IN (WITH secret_facts AS (SELECT 'x') SELECT * FROM secret_facts)",
        "SELECT * FROM bi_chats UNION ALL SELECT shop_id, secret, '' FROM secret_facts",
        "SELECT * FROM default.anything",
        "SELECT * FROM system.processes",
        "SELECT * FROM system.settings",
        "SELECT * FROM system.query_log",
        "SELECT * FROM system.dictionaries",
        "SELECT * FROM INFORMATION_SCHEMA.TABLES",
        "DESCRIBE TABLE secret_facts",
        "DESCRIBE TABLE (SELECT * FROM secret_facts)",
        "SHOW CREATE TABLE settled_chats",
        "SHOW DICTIONARIES",
        "SHOW PROCESSLIST",
        "EXPLAIN SELECT * FROM secret_facts",
        "EXISTS TABLE secret_facts",
        "SELECT * FROM (EXPLAIN AST SELECT 1)",
    };

    public static TheoryData<string> TableFunctions => new()
    {
        "SELECT * FROM file('{file}', 'LineAsString')",
        "SELECT * FROM url('http://127.0.0.1:1/', 'LineAsString')",
        "SELECT * FROM s3('http://127.0.0.1:1/b/k', 'LineAsString')",
        "SELECT * FROM remote('127.0.0.1', {db}.secret_facts)",
        "SELECT * FROM remoteSecure('127.0.0.1', {db}.secret_facts)",
        "SELECT * FROM mysql('127.0.0.1:1', 'd', 't', 'u', 'p')",
        "SELECT * FROM postgresql('127.0.0.1:1', 'd', 't', 'u', 'p')",
        "SELECT * FROM hdfs('hdfs://127.0.0.1:1/x', 'LineAsString')",
        "SELECT * FROM executable('cat {file}', 'LineAsString', 'x String')",
        "SELECT * FROM input('x String')",
        "SELECT * FROM cluster('default', {db}.secret_facts)",
        "SELECT * FROM numbers(10)",
        "SELECT * FROM merge('{db}', 'secret')",
        "SELECT * FROM view(SELECT * FROM secret_facts)",
        "SELECT * FROM dictionary('some_dictionary')",
        "SELECT * FROM generateRandom('a String')",
        "SELECT * FROM bi_chats AS c INNER JOIN file('{file}', 'LineAsString') AS f ON 1",
        "SELECT * FROM bi_chats WHERE shop_id IN (SELECT * FROM file('{file}', 'LineAsString'))",
    };

    public static TheoryData<string> Functions => new()
    {
        "SELECT file('{file}')",
        "SELECT FILE('{file}')",
        "SELECT File('{file}') AS f FROM bi_chats",
        "SELECT dictGet('d', 'a', 1)",
        "SELECT dictGetString('d', 'a', 1)",
        "SELECT dictHas('d', 1)",
        "SELECT joinGet('{db}.secret_facts', 'secret', 'shop-b')",
        "SELECT hasColumnInTable('{db}', 'secret_facts', 'secret')",
        "SELECT catboostEvaluate('/tmp/model.bin', 1)",
        "SELECT getServerSetting('path')",
        "SELECT getMergeTreeSetting('index_granularity')",
        "SELECT fullHostName()",
        "SELECT filesystemAvailable()",
        "SELECT addressToSymbol(1)",
        "SELECT * FROM bi_chats WHERE chat_id = file('{file}')",
    };

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task Writes_are_refused_as_read_only_and_change_nothing(string sql) => await AssertRefusedAsync(sql, ReadOnly);

    [Theory]
    [MemberData(nameof(SettingChanges))]
    public async Task Setting_changes_are_refused_as_read_only(string sql) => await AssertRefusedAsync(sql, ReadOnly);

    [Theory]
    [MemberData(nameof(OutsideTheViews))]
    public async Task Tables_outside_the_BI_views_are_denied(string sql) => await AssertRefusedAsync(sql, AccessDenied);

    [Theory]
    [MemberData(nameof(TableFunctions))]
    public async Task Every_table_function_is_denied(string sql) => await AssertRefusedAsync(sql, AccessDenied);

    [Theory]
    [MemberData(nameof(Functions))]
    public async Task Functions_that_reach_outside_the_views_are_denied(string sql) => await AssertRefusedAsync(sql, AccessDenied);

    [Fact]
    public async Task Into_outfile_is_denied_and_writes_no_file()
    {
        var target = Path.Combine(TestEnvironment.RunFolder, $"outfile-{Guid.NewGuid():N}.tsv");
        await AssertRefusedAsync($"SELECT * FROM bi_chats INTO OUTFILE '{target}'", AccessDenied);
        await AssertRefusedAsync($"SELECT * FROM bi_chats INTO OUTFILE '{target}' FORMAT CSV", AccessDenied);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task Two_statements_in_one_request_are_a_syntax_error_and_the_second_never_runs()
    {
        await AssertRefusedAsync("SELECT 1; DROP TABLE settled_chats", 62);
        await AssertRefusedAsync("SELECT * FROM bi_chats; INSERT INTO settled_chats VALUES ('x', 'y', 'z')", 62);
        Assert.Equal(6UL, await bi.Database.Client.ExecuteScalarAsync("SELECT count() FROM settled_chats"));
    }

    [Theory]
    [InlineData("SELEC 1")]
    [InlineData("SELECT 'unclosed FROM bi_chats")]
    [InlineData("SELECT * FROM bi_chats WHERE (")]
    [InlineData("")]
    public async Task Malformed_statements_are_syntax_errors(string sql) => await AssertRefusedAsync(sql, 62);

    [Fact]
    public async Task An_oversized_statement_is_refused_by_the_parser()
    {
        // 300,000 characters of one statement: past the engine's max_query_size (262,144 bytes).
        var sql = "SELECT count() FROM bi_chats WHERE chat_id NOT IN ('" + new string('x', 300_000) + "')";
        await AssertRefusedAsync(sql, 62);
    }

    [Fact]
    public async Task An_identifier_parameter_cannot_hide_a_raw_table()
    {
        await AssertRefusedAsync("SELECT * FROM {t:Identifier}", AccessDenied, [new("t", "secret_facts")]);
        var text = await bi.TextAsync(BiRunnerFixture.Shops(BiRunnerFixture.ShopB), "SELECT count() FROM {t:Identifier}", parameters: [new("t", "bi_chats")]);
        Assert.Equal("2\n", text);
        // The allowed decision is kept for those values only: the same text naming a raw table is still refused.
        await AssertRefusedAsync("SELECT count() FROM {t:Identifier}", AccessDenied, [new("t", "secret_facts")]);
        Assert.Equal("2\n", await bi.TextAsync(BiRunnerFixture.Shops(BiRunnerFixture.ShopB), "SELECT count() FROM {t:Identifier}", parameters: [new("t", "bi_chats")]));
    }

    [Fact]
    public async Task Typed_parameters_and_case_expressions_pass_although_the_parser_writes_them_as_internal_functions()
    {
        // The engine's AST holds _CAST('2', 'UInt32') for {n:UInt32} and caseWithExpression for CASE x WHEN.
        var text = await bi.TextAsync(
            BiRunnerFixture.Platform, "SELECT {n:UInt32} + 1, {d:Date} + 1, CASE {n:UInt32} WHEN 2 THEN 'two' ELSE 'other' END",
            parameters: [new("n", "2"), new("d", "2026-11-30")]);
        Assert.Equal("3\t2026-12-01\ttwo\n", text);
    }

    [Theory]
    [InlineData("Template")]
    [InlineData("CustomSeparated")]
    [InlineData("Protobuf")]
    [InlineData("CapnProto")]
    [InlineData("Regexp")]
    public async Task Formats_outside_the_allowlist_are_denied(string format)
    {
        await AssertRefusedAsync($"SELECT * FROM bi_chats FORMAT {format}", AccessDenied);
        var error = await Assert.ThrowsAsync<BiSqlException>(() => bi.TextAsync(BiRunnerFixture.Platform, "SELECT 1", format));
        Assert.Equal(AccessDenied, error.Code);
    }

    [Theory]
    [InlineData("max_result_rows", "0")]
    [InlineData("readonly", "0")]
    [InlineData("max_execution_time", "0")]
    [InlineData("additional_table_filters", "{}")]
    [InlineData("output_format_schema", "/tmp/x")]
    public async Task Url_settings_outside_the_output_allowlist_are_refused(string name, string value)
    {
        var error = await Assert.ThrowsAsync<BiSqlException>(() => bi.TextAsync(
            BiRunnerFixture.Platform, "SELECT count() FROM bi_chats", settings: new Dictionary<string, string> { [name] = value }));
        Assert.Equal(ReadOnly, error.Code);
    }

    [Fact]
    public async Task The_settings_ClickHouse_Driver_sends_and_output_settings_are_accepted()
    {
        var settings = new Dictionary<string, string>
        {
            ["output_format_binary_write_json_as_string"] = "0",
            ["input_format_binary_read_json_as_string"] = "1",
            ["output_format_json_quote_64bit_integers"] = "1",
        };
        var text = await bi.TextAsync(BiRunnerFixture.Platform, "SELECT count() AS n FROM bi_chats", "JSONEachRow", settings: settings);
        Assert.Equal("{\"n\":\"6\"}\n", text);
    }

    /// <summary>
    /// Runs <paramref name="sql"/> (with <c>{db}</c> and <c>{file}</c> replaced by the database and a file holding a
    /// marker) as a shop-B caller and as a platform caller; each must fail with <paramref name="code"/>, the marker
    /// must not appear in the error, and every table keeps its rows.
    /// </summary>
    private async Task AssertRefusedAsync(string sql, int code, IReadOnlyList<KeyValuePair<string, string>>? parameters = null)
    {
        var marker = $"secret-marker-{Guid.NewGuid():N}";
        var file = Path.Combine(TestEnvironment.RunFolder, $"bi-guard-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(file, marker + "\n");
        var text = sql.Replace("{db}", bi.Database.Name, StringComparison.Ordinal).Replace("{file}", file, StringComparison.Ordinal);
        var before = await bi.TableCountsAsync();
        foreach (var caller in new[] { BiRunnerFixture.Shops(BiRunnerFixture.ShopB), BiRunnerFixture.Platform })
        {
            var error = await Assert.ThrowsAsync<BiSqlException>(() => bi.TextAsync(caller, text, parameters: parameters));
            Assert.True(code == error.Code, $"{text}: expected code {code}, got {error.Message}");
            Assert.DoesNotContain(marker, error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("raw-b", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(before, await bi.TableCountsAsync());
        Assert.Equal(marker + "\n", await File.ReadAllTextAsync(file));
    }
}
