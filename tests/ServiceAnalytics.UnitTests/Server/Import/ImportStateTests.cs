using System.Text;
using ServiceAnalytics.Server.Commands;
using ServiceAnalytics.Server.Commands.Import;

namespace ServiceAnalytics.UnitTests.Server.Import;

public sealed class ImportStateTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("import-state-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_written_state_reads_back_and_holds_over_the_same_input_only()
    {
        var input = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(1, 2000).Select(i => $"{{\"n\":{i}}}\n")));
        var offset = input.Length / 2;
        var statePath = Path.Combine(_folder, "facts.ndjson.import-state");
        var state = new ImportState("/data/facts.ndjson", offset, 1000, await ImportState.FingerprintAsync(new MemoryStream(input), offset, CancellationToken.None));
        await state.WriteAsync(statePath, CancellationToken.None);
        Assert.Equal(state, await ImportState.ReadAsync(statePath, CancellationToken.None));
        Assert.False(File.Exists(statePath + ".next"));

        // The same content (and more appended): fine.
        await state.CheckSameInputAsync(new MemoryStream([.. input, .. "{\"n\":2001}\n"u8]), statePath, CancellationToken.None);

        // One byte changed before the offset, or a file shorter than the offset: refused, naming what to do.
        var changed = input.ToArray();
        changed[offset - 3] = (byte)'9';
        var refused = await Assert.ThrowsAsync<CommandFailedException>(() => state.CheckSameInputAsync(new MemoryStream(changed), statePath, CancellationToken.None));
        Assert.Contains("--from-start", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<CommandFailedException>(() => state.CheckSameInputAsync(new MemoryStream(input[..(offset - 1)]), statePath, CancellationToken.None));
    }

    [Fact]
    public async Task No_state_file_is_no_state_and_a_file_that_is_not_one_is_refused_with_its_name()
    {
        var statePath = Path.Combine(_folder, "state");
        Assert.Null(await ImportState.ReadAsync(statePath, CancellationToken.None));
        await File.WriteAllTextAsync(statePath, "not json");
        var refused = await Assert.ThrowsAsync<CommandFailedException>(() => ImportState.ReadAsync(statePath, CancellationToken.None));
        Assert.Contains(statePath, refused.Message, StringComparison.Ordinal);
        await File.WriteAllTextAsync(statePath, "{\"input\":\"x\",\"offset\":-5,\"line\":1,\"fingerprint\":\"ab\"}");
        await Assert.ThrowsAsync<CommandFailedException>(() => ImportState.ReadAsync(statePath, CancellationToken.None));
    }
}
