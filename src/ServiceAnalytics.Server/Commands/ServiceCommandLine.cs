using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using ServiceAnalytics.Server.Hosting;

namespace ServiceAnalytics.Server.Commands;

/// <summary>
/// The service's command line (System.CommandLine): no command runs the service; a command runs one job and exits.
/// Every command also takes the service's configuration overrides, <c>--Section:Key=value</c> (ASP.NET Core's
/// command-line configuration), which are not options of the command and pass through to its host as they are.
/// </summary>
public static class ServiceCommandLine
{
    /// <summary>Exit code of a command line that names no valid command, option or argument (as the BSD sysexits' usage code is 64, shells use 2).</summary>
    public const int ExitUsage = 2;

    /// <summary>Exit code of a job that could not be done (store unreachable, file missing…), with the reason printed.</summary>
    public const int ExitFailed = 1;

    /// <summary>Exit code of a command interrupted by Ctrl+C or SIGTERM (128 + SIGINT, as shells report it).</summary>
    public const int ExitInterrupted = 130;

    /// <summary>How long an interrupted command may take to end cleanly before the process exits anyway.</summary>
    public static readonly TimeSpan ProcessTerminationTimeout = TimeSpan.FromSeconds(60);

    public static RootCommand Create()
    {
        var root = new RootCommand(
            "Service Analytics: customer-service chat analytics over ClickHouse. Without a command, runs the service " +
            "(gRPC, HTTP/JSON, gRPC-Web, the page, the SQL endpoint). Configuration overrides: --Section:Key=value.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        root.Subcommands.Add(MigrateCommand.Create());
        root.Subcommands.Add(RollupCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.SetAction(async (parse, cancellation) =>
        {
            await ServiceAnalyticsApp.Build(ConfigurationOverrides(parse)).RunAsync(cancellation);
            return 0;
        });
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>: a usage error prints what is wrong and exits with <see cref="ExitUsage"/>.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var parse = Create().Parse(args);
        // The service's own overrides are --Key=value, --Key value or Key=value; a first bare word is a mistyped command.
        var unknownCommand = parse.CommandResult.Command is RootCommand && parse.UnmatchedTokens is [var first, ..]
            && !first.StartsWith('-') && !first.StartsWith('/') && !first.Contains('=', StringComparison.Ordinal);
        if (parse.Errors.Count > 0 || unknownCommand)
        {
            foreach (var problem in parse.Errors.Select(e => e.Message).Append(unknownCommand ? $"'{parse.UnmatchedTokens[0]}' is not a command." : null).OfType<string>())
            {
                await error.WriteLineAsync(problem);
            }

            await error.WriteLineAsync($"See {string.Join(' ', parse.CommandResult.Command.Name)} --help.");
            return ExitUsage;
        }

        // Ctrl+C or SIGTERM cancels the command's token; the process then waits for the command to end as it does on
        // cancellation (an import drains what it handed to the store and records its position), up to this long.
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = ProcessTerminationTimeout });
    }

    /// <summary>The tokens that are not the command's own: the configuration overrides passed to its host.</summary>
    public static string[] ConfigurationOverrides(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return [.. parse.UnmatchedTokens];
    }

    /// <summary>An argument's day, YYYY-MM-DD.</summary>
    public static DateOnly ParseDay(ArgumentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return day;
        }

        result.AddError($"{result.Argument.Name} must be a day as YYYY-MM-DD, not '{text}'.");
        return default;
    }

    /// <summary>
    /// A token among a command's <paramref name="settings"/> (the tokens that are not its own) that is no configuration
    /// override (<c>--Section:Key=value</c> or <c>--Section:Key value</c>), or null: most likely a mistyped option, which
    /// the host would take as a setting and ignore (<c>--tags</c> for <c>--tag</c>: an export of every chat instead of
    /// the filtered ones), a stray argument (<paramref name="oneArgument"/> says why), or <c>--api-key</c>, which does
    /// not exist so that no key shows in the process list or the shell's history.
    /// </summary>
    public static string? NotAnOverride(string command, string[] settings, string oneArgument)
    {
        ArgumentNullException.ThrowIfNull(settings);
        for (var i = 0; i < settings.Length; i++)
        {
            var token = settings[i];
            var key = token.Split('=')[0];
            if (token.StartsWith('-') && !key.Contains(':', StringComparison.Ordinal))
            {
                return $"'{key}' is not an option of {command} (configuration overrides are --Section:Key=value; an API key is given with --api-key-file or ${ServiceConnection.ApiKeyVariable}).";
            }

            if (!token.StartsWith('-') && !token.Contains('=', StringComparison.Ordinal))
            {
                return $"'{token}' is not an argument of {command}: {oneArgument}.";
            }

            // "--Section:Key value": the value is the next token.
            if (token.StartsWith('-') && !token.Contains('=', StringComparison.Ordinal))
            {
                i++;
            }
        }

        return null;
    }
}
