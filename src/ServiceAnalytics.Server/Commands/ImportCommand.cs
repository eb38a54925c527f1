using System.CommandLine;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;
using ServiceAnalytics.Server.Commands.Import;
using ServiceAnalytics.Server.Ingestion;

namespace ServiceAnalytics.Server.Commands;

/// <summary>What <c>import</c> was asked to do (its options; the configuration overrides go to its host).</summary>
/// <param name="Input">An NDJSON file, or <c>-</c> for standard input.</param>
/// <param name="Service">The running service's gRPC address; null to write into the store directly.</param>
/// <param name="ApiKeyFile">The file holding the API key for <paramref name="Service"/> (else <see cref="ServiceConnection.ApiKeyVariable"/>).</param>
/// <param name="State">The state file; null for <c>&lt;input&gt;.import-state</c>.</param>
/// <param name="FromStart">Ignore the state file and import from the first line.</param>
/// <param name="Rejects">The rejects file; null for <c>&lt;input&gt;.rejects.ndjson</c>.</param>
/// <param name="BatchSize">Lines per batch.</param>
/// <param name="InFlight">Batches parsed and ingested at once.</param>
public sealed record ImportRequest(
    string Input, Uri? Service = null, string? ApiKeyFile = null, string? State = null, bool FromStart = false, string? Rejects = null,
    int BatchSize = ImportCommand.DefaultBatchSize, int InFlight = ImportCommand.DefaultInFlight);

/// <summary>
/// <c>import INPUT [--service URL --api-key-file FILE] [--state FILE] [--from-start] [--rejects FILE] [--batch N]
/// [--in-flight N] [config overrides]</c>: backfills facts from NDJSON (one <c>Fact</c> per line, the proto3 JSON
/// mapping) through the ingestion path — the service's own <see cref="FactIngestor"/> over the store (service
/// stopped), or <c>IngestBatch</c> of the running service — records the position after each acknowledged batch so a
/// re-run resumes there, and writes rejected lines with their numbers and reasons to a rejects file. docs/commands.md.
/// </summary>
public static class ImportCommand
{
    /// <summary>Exit code of an import that read every line but rejected some (listed in the rejects file).</summary>
    public const int ExitRejectedLines = 3;

    /// <summary>Exit code of an import interrupted (Ctrl+C) before its end: 128 + SIGINT, as shells report it.</summary>
    public const int ExitInterrupted = ServiceCommandLine.ExitInterrupted;


    public const int DefaultBatchSize = 10_000;

    /// <summary>Enough batches of the default size to fill the pipeline's insert (100,000 rows) while the previous one is written.</summary>
    public const int DefaultInFlight = 16;

    public static Command Create()
    {
        var input = new Argument<string>("INPUT") { Description = "The NDJSON file to import (one Fact per line, proto3 JSON), or - for standard input (not resumable)." };
        var service = ServiceConnection.ServiceOption(
            "Send the facts with IngestBatch to the running service (without it, they go into the store directly; the service must be stopped on the embedded engine)");
        var apiKeyFile = ServiceConnection.ApiKeyFileOption("ingest");
        var state = new Option<string?>("--state") { HelpName = "FILE", Description = "The state file recording the position after each acknowledged batch (default: INPUT.import-state)." };
        var fromStart = new Option<bool>("--from-start") { Description = "Ignore the state file and import from the first line (the state is then recorded afresh)." };
        var rejects = new Option<string?>("--rejects") { HelpName = "FILE", Description = "Where rejected lines go, one JSON object per line with the line number and reason (default: INPUT.rejects.ndjson; for standard input, import.rejects.ndjson)." };
        var batch = new Option<int>("--batch") { HelpName = "N", Description = "Lines per batch (at most the service's Ingestion:MaxFactsPerBatch, 10,000 by default).", DefaultValueFactory = _ => DefaultBatchSize };
        var inFlight = new Option<int>("--in-flight") { HelpName = "N", Description = "Batches parsed and ingested at once.", DefaultValueFactory = _ => DefaultInFlight };
        var command = new Command("import", "Backfill facts from an NDJSON file or standard input through the ingestion path, resumably, with a rejects file, then exit. " +
            "Exit codes: 0 every line imported, 3 some lines rejected, 1 failed (the reason is printed), 2 usage, 130 interrupted (re-run to resume).")
        {
            input, service, apiKeyFile, state, fromStart, rejects, batch, inFlight,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parse, cancellation) => RunAsync(
            new ImportRequest(parse.GetValue(input)!, parse.GetValue(service), parse.GetValue(apiKeyFile), parse.GetValue(state), parse.GetValue(fromStart),
                parse.GetValue(rejects), parse.GetValue(batch), parse.GetValue(inFlight)),
            ServiceCommandLine.ConfigurationOverrides(parse), Console.Out, Console.Error, CommandProgress.ForConsole(), cancellation));
        return command;
    }

    /// <param name="standardInput">What <c>-</c> reads (the process's standard input when null).</param>
    public static async Task<int> RunAsync(
        ImportRequest request, string[] settings, TextWriter output, TextWriter error, CommandProgress progress, CancellationToken cancellation, Stream? standardInput = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(progress);
        if ((UsageProblem(request) ?? ServiceCommandLine.NotAnOverride("import", settings, "it imports one INPUT per run")) is { } usage)
        {
            await error.WriteLineAsync($"import: {usage} (see import --help)");
            return ServiceCommandLine.ExitUsage;
        }

        try
        {
            return await ImportAsync(request, settings, output, error, progress, cancellation, standardInput);
        }
        catch (CommandFailedException failed)
        {
            await error.WriteLineAsync($"import: {failed.Message}");
            return ServiceCommandLine.ExitFailed;
        }
        catch (Exception io) when (io is IOException or UnauthorizedAccessException)
        {
            // The state or rejects file could not be written (a full disk, a folder without write access).
            await error.WriteLineAsync($"import: {io.Message}");
            return ServiceCommandLine.ExitFailed;
        }
        catch (OptionsValidationException invalid)
        {
            await error.WriteLineAsync($"import: {invalid.Message}");
            return ServiceCommandLine.ExitUsage;
        }
    }

    private static string? UsageProblem(ImportRequest request)
    {
        var fromStandardInput = request.Input == "-";
        return request switch
        {
            { BatchSize: < 1 or > 1_000_000 } => $"--batch must be 1 to 1,000,000, not {request.BatchSize}.",
            { InFlight: < 1 or > 1_000 } => $"--in-flight must be 1 to 1,000, not {request.InFlight}.",
            { State: not null } when fromStandardInput => "standard input cannot be resumed: --state applies to files.",
            { FromStart: true } when fromStandardInput => "standard input cannot be resumed: --from-start applies to files.",
            _ => ServiceConnection.UsageProblem(request.Service, request.ApiKeyFile),
        };
    }

    private static async Task<int> ImportAsync(
        ImportRequest request, string[] settings, TextWriter output, TextWriter error, CommandProgress progress, CancellationToken cancellation, Stream? standardInput)
    {
        var fromFile = request.Input != "-";
        var inputName = fromFile ? Path.GetFullPath(request.Input) : "standard input";
        await using var input = fromFile ? OpenInput(inputName) : standardInput ?? Console.OpenStandardInput();
        var statePath = fromFile ? Path.GetFullPath(request.State ?? ImportState.DefaultPath(inputName)) : null;
        var resumeFrom = statePath is null || request.FromStart ? null : await ImportState.ReadAsync(statePath, cancellation);
        if (resumeFrom is not null)
        {
            await resumeFrom.CheckSameInputAsync(input, statePath!, cancellation);
            input.Seek(resumeFrom.Offset, SeekOrigin.Begin);
        }

        var rejectsPath = Path.GetFullPath(request.Rejects ?? (fromFile ? RejectsFile.DefaultPath(inputName) : "import.rejects.ndjson"));
        await using IFactSink sink = request.Service is { } service
            ? new ServiceFactSink(service, await ServiceConnection.OpenAsync(service, request.ApiKeyFile, cancellation))
            : await StoreFactSink.OpenAsync(settings, request.BatchSize);
        resumeFrom?.CheckSameDestination(sink.Description, statePath!);
        var (startOffset, startLine) = resumeFrom is null ? (0L, 0L) : (resumeFrom.Offset, resumeFrom.Line);
        var position = resumeFrom is null
            ? "from the first line"
            : string.Create(CultureInfo.InvariantCulture, $"resuming after line {startLine:N0} (byte {startOffset:N0}; state {statePath})");
        await output.WriteLineAsync($"import: {inputName} {position} into {sink.Description}");
        if (fromFile && startOffset == input.Length && startOffset > 0)
        {
            await output.WriteLineAsync("import: nothing left to import (every line was imported by an earlier run; --from-start imports the file again).");
            return 0;
        }

        await using var rejects = RejectsFile.Open(rejectsPath, append: resumeFrom is not null);
        var inputLength = fromFile ? input.Length : (long?)null;
        ProgressCounter? counter = null;
        async Task Completed(LineChunk chunk, CancellationToken token)
        {
            if (statePath is not null)
            {
                var fingerprint = await FingerprintAsync(inputName, chunk.EndOffset, token);
                await new ImportState(inputName, chunk.EndOffset, chunk.EndLine, fingerprint, sink.Description).WriteAsync(statePath, token);
            }

            if (inputLength is { } length && counter is not null && chunk.EndOffset > startOffset)
            {
                // Facts in all, from the bytes left and the bytes per line so far: the bar's total and its time left.
                var done = counter.Done + chunk.Lines.Count;
                counter.Total = done + (long)((length - chunk.EndOffset) * (double)done / (chunk.EndOffset - startOffset));
            }
        }

        var reader = new NdjsonLineReader(input, startOffset, startLine, FactImport.MaxLineBytes);
        var import = new FactImport(sink, rejects, Completed, request.InFlight);
        var result = await progress.RunAsync("import", "facts", null, c =>
        {
            counter = c;
            return import.RunAsync(reader.ReadChunksAsync(request.BatchSize, cancellation), c, cancellation);
        });
        return await SummarizeAsync(result, rejects, statePath, output, error);
    }

    private static FileStream OpenInput(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            throw new CommandFailedException($"cannot read {path}: {error.Message}", error);
        }
    }

    /// <summary>The state's fingerprint, read through a handle of its own (the import's is reading ahead).</summary>
    private static async Task<string> FingerprintAsync(string path, long offset, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return await ImportState.FingerprintAsync(file, offset, cancellationToken);
    }

    private static async Task<int> SummarizeAsync(ImportResult result, RejectsFile rejects, string? statePath, TextWriter output, TextWriter error)
    {
        var counts = result.Counts;
        var ofFirst = counts.DuplicatesOfFirstOnly ? string.Create(CultureInfo.InvariantCulture, $" among the first {FactImport.MaxRememberedFacts:N0} facts") : "";
        var duplicates = counts.Duplicates > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({counts.Duplicates:N0} repeating an earlier line's shop and event id{ofFirst}, stored once)") : "";
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"import: {counts.Lines:N0} lines: {counts.Accepted:N0} facts accepted{duplicates}, {counts.Rejected:N0} lines rejected ({counts.Malformed:N0} malformed, {counts.Rejected - counts.Malformed:N0} refused by validation)"));
        if (counts.Rejected > 0)
        {
            await output.WriteLineAsync($"import: rejected lines, with their numbers and reasons: {rejects.Path}");
        }

        var resume = statePath is null ? "standard input cannot be resumed: send the rest again (facts already stored are not stored twice)" : $"re-run the same command to resume (state {statePath})";
        switch (result.End)
        {
            case ImportEnd.Failed:
                await error.WriteLineAsync($"import: {result.Failure}");
                await error.WriteLineAsync($"import: stopped; {resume}.");
                return ServiceCommandLine.ExitFailed;
            case ImportEnd.Interrupted:
                await error.WriteLineAsync($"import: interrupted; {resume}.");
                return ExitInterrupted;
            default:
                return counts.Rejected > 0 ? ExitRejectedLines : 0;
        }
    }
}
