using System.CommandLine;
using Grpc.Core;
using ServiceAnalytics.Contracts.Query.V1;
using ServiceAnalytics.Server.Services;

namespace ServiceAnalytics.Server.Commands;

/// <summary>
/// <c>export --shop ID --from DAY --to DAY [filters] --output FILE|- [--format csv|parquet] [--service URL
/// --api-key-file FILE] [config overrides]</c>: All Chats of a shop and period, one row per chat with the list's
/// columns (<see cref="ChatColumn"/>), as CSV or Parquet: the rows the <c>ListChats</c> RPC gives for the same
/// filter, streamed (the store is read in day slices, a Parquet file written in row groups), with progress. From
/// the store with the service's configuration, or from a running service with <c>--service</c>. A file is written
/// under a temporary name and renamed once whole (<see cref="ExportOutput"/>).
/// </summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var filter = new ChatFilterOptions();
        var output = new Option<string>("--output", "-o") { Description = "The file to write, or - for standard output (CSV only).", Required = true };
        var format = new Option<string?>("--format")
        {
            Description = "csv or parquet; by default parquet for an --output ending in .parquet, else csv.",
        }.AcceptOnlyFromAmong("csv", "parquet");
        var service = ServiceConnection.ServiceOption("Export through the running service instead of reading the store");
        var apiKeyFile = ServiceConnection.ApiKeyFileOption("query");
        var command = new Command(
            "export",
            "Export All Chats of a shop and period (one row per chat, the list's columns and filters) as CSV or Parquet, then exit. " +
            "Reads the store with the service's configuration (stop the service first on the embedded engine), or the running service with --service.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        foreach (var option in filter.All.Concat([output, format, service, apiKeyFile]))
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellation) =>
        {
            var outputPath = parse.GetValue(output)!;
            var toStandardOutput = outputPath == "-";
            var job = new ExportJob(
                filter, filter.Request(parse), outputPath, parse.GetValue(format), parse.GetValue(service), parse.GetValue(apiKeyFile),
                ServiceCommandLine.ConfigurationOverrides(parse));
            // Standard output holds the CSV: progress and messages go to standard error.
            var (written, problems) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            var progress = toStandardOutput ? new CommandProgress(problems, terminal: false, TimeSpan.FromSeconds(5))
                : ReferenceEquals(written, Console.Out) ? CommandProgress.ForConsole()
                : new CommandProgress(written, terminal: false, TimeSpan.FromSeconds(5));
            return RunAsync(job, Console.OpenStandardOutput(), toStandardOutput ? problems : written, problems, progress, cancellation);
        });
        return command;
    }

    /// <summary>Runs <paramref name="job"/>: 0 when the export is whole, <see cref="ServiceCommandLine.ExitUsage"/> for a request or options that cannot be, <see cref="ServiceCommandLine.ExitFailed"/> otherwise.</summary>
    internal static async Task<int> RunAsync(
        ExportJob job, Stream standardOutput, TextWriter messages, TextWriter error, CommandProgress progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(progress);
        var usage = CheckUsage(job);
        if (usage is not null)
        {
            await error.WriteLineAsync($"export: {usage} (see export --help)");
            return ServiceCommandLine.ExitUsage;
        }

        try
        {
            await ExportAsync(job, standardOutput, messages, progress, cancellation);
            return 0;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            await error.WriteLineAsync($"export: interrupted; no file written ({job.OutputPath} is as it was).");
            return ServiceCommandLine.ExitInterrupted;
        }
        catch (Exception problem) when (problem is IOException or UnauthorizedAccessException && !cancellation.IsCancellationRequested)
        {
            await error.WriteLineAsync($"export: cannot write {job.OutputPath}: {problem.Message}");
            return ServiceCommandLine.ExitFailed;
        }
        catch (FormatException unreadable) when (job.Service is not null)
        {
            await error.WriteLineAsync($"export: the CSV of the service at {job.Service} could not be read back for Parquet: {unreadable.Message}");
            return ServiceCommandLine.ExitFailed;
        }
        catch (CommandFailedException failed)
        {
            await error.WriteLineAsync($"export: {failed.Message}");
            return ServiceCommandLine.ExitFailed;
        }
        catch (RpcException refused) when (refused.StatusCode == StatusCode.InvalidArgument)
        {
            await error.WriteLineAsync($"export: {Explain(job, refused)} (see export --help)");
            return ServiceCommandLine.ExitUsage;
        }
        catch (RpcException refused) when (job.Service is not null && refused.StatusCode != StatusCode.Cancelled)
        {
            await error.WriteLineAsync($"export: the service at {job.Service} answered {refused.StatusCode}: {refused.Status.Detail}");
            return ServiceCommandLine.ExitFailed;
        }
        catch (Exception storeFailure) when (job.Service is null && storeFailure is not (OperationCanceledException or RpcException))
        {
            // A store that cannot be reached or refuses a statement (the driver's errors): its reason, not a stack trace.
            await error.WriteLineAsync($"export: reading the store failed: {storeFailure.Message}");
            return ServiceCommandLine.ExitFailed;
        }
    }

    /// <summary>Writes the export whole, then says what was written on <paramref name="messages"/>.</summary>
    private static async Task ExportAsync(ExportJob job, Stream standardOutput, TextWriter messages, CommandProgress progress, CancellationToken cancellation)
    {
        await using var output = ExportOutput.Open(job.OutputPath, standardOutput);
        await using IChatExportSource source = job.Service is { } address
            ? new ServiceChatExport(await ServiceConnection.OpenAsync(address, job.ApiKeyFile, cancellation))
            : await StoreChatExport.OpenAsync(job.Settings, cancellation);
        var total = await source.CountAsync(job.Request, cancellation);
        var rows = await progress.RunAsync("export", "chats", total, counter => job.IsParquet
            ? WriteParquetAsync(source, job.Request, output.Stream, counter, cancellation)
            : WriteCsvAsync(source, job.Request, output.Stream, counter, cancellation));
        await output.CompleteAsync(cancellation);
        await messages.WriteLineAsync(job.OutputPath == "-"
            ? $"export: {rows:N0} chats of {job.Request.ShopId}, {job.Request.FirstDay} to {job.Request.LastDay}, as CSV on standard output"
            : $"export: {rows:N0} chats of {job.Request.ShopId}, {job.Request.FirstDay} to {job.Request.LastDay}, written to {Path.GetFullPath(job.OutputPath)} ({(job.IsParquet ? "Parquet" : "CSV")})");
    }

    /// <summary>What makes the job impossible before anything is opened, or null: the request's fields as the RPCs check them, the format and its output, the key.</summary>
    private static string? CheckUsage(ExportJob job)
    {
        try
        {
            RequestFields.ShopId(job.Request.ShopId);
            RequestFields.Period(job.Request.FirstDay, job.Request.LastDay);
            RequestFields.Filter(job.Request);
        }
        catch (RpcException invalid)
        {
            return Explain(job, invalid);
        }

        if (job.IsParquet && job.OutputPath == "-")
        {
            return "Parquet is written to a file (its footer is written last): give --output FILE, or --format csv for standard output";
        }

        return ServiceConnection.UsageProblem(job.Service, job.ApiKeyFile)
            ?? ServiceCommandLine.NotAnOverride("export", job.Settings, "it takes options only");
    }

    /// <summary>An INVALID_ARGUMENT of the request checks, its field told by the option's name.</summary>
    private static string Explain(ExportJob job, RpcException invalid)
    {
        var detail = invalid.Status.Detail;
        var colon = detail.IndexOf(": ", StringComparison.Ordinal);
        return colon < 0 ? detail
            : $"{job.Filter.OptionFor(detail[..colon])} {detail[(colon + 2)..].Replace("first_day", job.Filter.OptionFor("first_day"), StringComparison.Ordinal)}";
    }

    private static async Task<long> WriteCsvAsync(IChatExportSource source, ExportChatsRequest request, Stream output, ProgressCounter counter, CancellationToken cancellation)
    {
        await foreach (var chunk in source.CsvAsync(request, counter, cancellation))
        {
            // Each chunk is whole records without the last line feed: the file ends every one with it.
            await output.WriteAsync(chunk.Data.Memory, cancellation);
            output.WriteByte((byte)'\n');
        }

        return counter.Done;
    }

    private static async Task<long> WriteParquetAsync(IChatExportSource source, ExportChatsRequest request, Stream output, ProgressCounter counter, CancellationToken cancellation)
    {
        await using var parquet = await ChatParquet.CreateAsync(output, cancellation);
        await foreach (var row in source.RowsAsync(request, counter, cancellation))
        {
            await parquet.AppendAsync(row, cancellation);
        }

        await parquet.CompleteAsync(cancellation);
        return counter.Done;
    }
}

/// <summary>An <c>export</c> as its options name it: the request (not yet checked), where it goes and in which format, and where it reads from.</summary>
internal sealed record ExportJob(
    ChatFilterOptions Filter, ExportChatsRequest Request, string OutputPath, string? Format, Uri? Service, string? ApiKeyFile, string[] Settings)
{
    /// <summary>Parquet when asked, or by default for an output file named *.parquet.</summary>
    public bool IsParquet => Format is { } format
        ? format == "parquet"
        : OutputPath.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase);
}
