using System.CommandLine;
using ServiceAnalytics.Server.Commands;

namespace ServiceAnalytics.UnitTests.Server;

public sealed class CommandLineTests
{
    public static TheoryData<string> Commands() => [.. ServiceCommandLine.Create().Subcommands.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Every_command_has_help_that_describes_it(string command)
    {
        var root = ServiceCommandLine.Create();
        var help = new StringWriter();
        var parse = root.Parse([command, "--help"]);
        Assert.Empty(parse.Errors);
        Assert.Equal(0, await parse.InvokeAsync(new InvocationConfiguration { Output = help }));
        var described = root.Subcommands.Single(c => c.Name == command).Description;
        Assert.False(string.IsNullOrWhiteSpace(described));
        Assert.Contains(described!, help.ToString().ReplaceLineEndings(" "), StringComparison.Ordinal);
    }

    [Fact]
    public void Configuration_overrides_pass_through_to_the_command_in_order()
    {
        var parse = ServiceCommandLine.Create().Parse(["rollup", "2026-10-01", "2026-10-31", "--ClickHouse:Database=x", "--Logging:LogLevel:Default", "Warning"]);
        Assert.Empty(parse.Errors);
        Assert.Equal(["--ClickHouse:Database=x", "--Logging:LogLevel:Default", "Warning"], ServiceCommandLine.ConfigurationOverrides(parse));
    }

    [Theory]
    [InlineData("LAST_DAY must be a day as YYYY-MM-DD, not '2026-13-01'.", "rollup", "2026-10-01", "2026-13-01")]
    [InlineData("'bogus' is not a command.", "bogus")]
    [InlineData("'rolup' is not a command.", "rolup", "2026-10-01", "2026-10-31")]
    public async Task A_mistyped_command_line_is_refused_with_what_is_wrong_and_the_usage_exit_code(string expected, params string[] args)
    {
        var error = new StringWriter();
        Assert.Equal(ServiceCommandLine.ExitUsage, await ServiceCommandLine.RunAsync(args, error));
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Progress_off_a_terminal_is_plain_lines_with_the_rate_and_a_final_total()
    {
        var output = new StringWriter();
        var progress = new CommandProgress(output, terminal: false, TimeSpan.FromMilliseconds(20));
        var result = await progress.RunAsync("import", "facts", 1_000, async counter =>
        {
            for (var i = 0; i < 10; i++)
            {
                counter.Add(100);
                await Task.Delay(15);
            }

            return "done";
        });

        Assert.Equal("done", result);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length >= 2, output.ToString());
        Assert.Matches(@"^import: [\d,]+ of 1,000 facts \([\d.]+ %\), [\d,]+ facts/s", lines[0]);
        Assert.Matches(@"^import: 1,000 facts in [\d.]+ s \([\d,]+ facts/s\)$", lines[^1]);
    }
}
