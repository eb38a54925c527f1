using System.Security.Cryptography;
using System.Text.Json;

namespace ServiceAnalytics.Server.Commands.Import;

/// <summary>
/// Where an import of a file stands: every line up to <see cref="Line"/> (byte <see cref="Offset"/>) has been imported
/// and acknowledged (stored, or rejected and written to the rejects file). <see cref="Fingerprint"/> is the SHA-256 of
/// the up to <see cref="FingerprintBytes"/> bytes before the offset, so a run resumes only over the same content, not
/// over a file replaced or rewritten since. <see cref="Destination"/> says where the lines went (the sink's
/// description: the service's address, or the store and its database), so a run into another destination does not
/// skip lines that never reached it.
/// </summary>
public sealed record ImportState(string Input, long Offset, long Line, string Fingerprint, string? Destination = null)
{
    /// <summary>How much of the input before the offset the fingerprint covers: enough to tell files apart, cheap to reread.</summary>
    public const int FingerprintBytes = 4096;

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The default state file of <paramref name="input"/>: beside it, <c>&lt;input&gt;.import-state</c>.</summary>
    public static string DefaultPath(string input) => input + ".import-state";

    /// <summary>The state in <paramref name="path"/>, or null when there is none.</summary>
    /// <exception cref="CommandFailedException">The file exists but is not a state file.</exception>
    public static async Task<ImportState?> ReadAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            await using var file = File.OpenRead(path);
            var state = await JsonSerializer.DeserializeAsync<ImportState>(file, s_json, cancellationToken);
            return state is { Offset: >= 0, Line: >= 0, Fingerprint.Length: > 0 }
                ? state
                : throw new CommandFailedException($"The state file {path} is incomplete. Delete it or pass --from-start to import from the first line.");
        }
        catch (JsonException error)
        {
            throw new CommandFailedException($"The state file {path} is not an import state ({error.Message}). Delete it or pass --from-start to import from the first line.");
        }
    }

    /// <summary>Replaces the state file in one step (a new file moved over the old), so a crash leaves the old state or the new, never half of one.</summary>
    public async Task WriteAsync(string path, CancellationToken cancellationToken)
    {
        var next = path + ".next";
        await using (var file = new FileStream(next, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            await JsonSerializer.SerializeAsync(file, this, s_json, cancellationToken);
            await file.FlushAsync(cancellationToken);
        }

        File.Move(next, path, overwrite: true);
    }

    /// <summary>The fingerprint of <paramref name="input"/> before <paramref name="offset"/> (the stream is left positioned elsewhere).</summary>
    public static async Task<string> FingerprintAsync(Stream input, long offset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var length = (int)Math.Min(offset, FingerprintBytes);
        var bytes = new byte[length];
        input.Seek(offset - length, SeekOrigin.Begin);
        await input.ReadExactlyAsync(bytes, cancellationToken);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    /// <summary>
    /// Checks that <paramref name="input"/> still holds what this state was recorded over: at least
    /// <see cref="Offset"/> bytes, the same bytes before it.
    /// </summary>
    /// <exception cref="CommandFailedException">It does not.</exception>
    public async Task CheckSameInputAsync(Stream input, string stateFile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var differs = input.Length < Offset || await FingerprintAsync(input, Offset, cancellationToken) != Fingerprint;
        if (differs)
        {
            throw new CommandFailedException(
                $"{Input} is not the file the state {stateFile} was recorded over (its first {Offset:N0} bytes are not the same). " +
                "Pass --from-start to import it from the first line, or --state FILE for a state file of its own.");
        }
    }

    /// <summary>Checks that this state was recorded importing into <paramref name="destination"/>.</summary>
    /// <exception cref="CommandFailedException">It was recorded importing elsewhere.</exception>
    public void CheckSameDestination(string destination, string stateFile)
    {
        if (Destination is { } recorded && recorded != destination)
        {
            throw new CommandFailedException(
                $"The state {stateFile} was recorded importing into {recorded}; this run imports into {destination}, which may lack the lines before it. " +
                "Pass --from-start to import the file from the first line (what was stored is not stored twice), or --state FILE for a state file of its own.");
        }
    }
}
