namespace ServiceAnalytics.Server.Commands;

/// <summary>
/// Where an export goes: a file, written under a temporary name beside it and renamed to its own name only once it
/// is whole (<see cref="CompleteAsync"/>), so an export that fails or is interrupted never leaves a file that looks
/// complete, nor replaces an earlier one; or standard output (<c>-</c>), which is written as the rows come.
/// </summary>
internal sealed class ExportOutput : IAsyncDisposable
{
    private readonly string? _path;
    private readonly string? _partialPath;
    private bool _completed;

    private ExportOutput(Stream stream, string? path, string? partialPath)
    {
        Stream = stream;
        _path = path;
        _partialPath = partialPath;
    }

    /// <summary>What the export writes to.</summary>
    public Stream Stream { get; }

    /// <summary>Whether this is standard output.</summary>
    public bool IsStandardOutput => _path is null;

    /// <summary>
    /// Opens <paramref name="path"/> (<c>-</c> for standard output): creates its temporary file, so a folder that
    /// does not exist or cannot be written fails here, before anything is read.
    /// </summary>
    /// <exception cref="IOException">The file cannot be created.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder cannot be written.</exception>
    public static ExportOutput Open(string path, Stream standardOutput)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path == "-")
        {
            return new ExportOutput(standardOutput, null, null);
        }

        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new IOException($"{full} is a folder.");
        }

        var partial = Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.partial");
        return new ExportOutput(new FileStream(partial, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true), full, partial);
    }

    /// <summary>The export is whole: flushes it and gives the file its name (replacing a file of that name).</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await Stream.FlushAsync(cancellationToken);
        if (_path is not null)
        {
            await Stream.DisposeAsync();
            File.Move(_partialPath!, _path, overwrite: true);
        }

        _completed = true;
    }

    /// <summary>Without <see cref="CompleteAsync"/>, removes the temporary file: nothing of a failed export stays.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_path is null)
        {
            return;
        }

        await Stream.DisposeAsync();
        if (!_completed)
        {
            File.Delete(_partialPath!);
        }
    }
}
