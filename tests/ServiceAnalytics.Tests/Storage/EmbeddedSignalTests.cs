using System.Runtime.InteropServices;
using ServiceAnalytics.EmbeddedClickHouse;

namespace ServiceAnalytics.Tests.Storage;

/// <summary>
/// The engine booted in the process leaves the runtime its signals: ClickHouse's own SIGRTMIN handler (for
/// <c>system.stack_trace</c>) once deadlocked the service when the runtime interrupted a thread inside malloc.
/// </summary>
public sealed class EmbeddedSignalTests(DatabasePerLane databases) : IClassFixture<DatabasePerLane>
{
    [Fact]
    public async Task After_the_engine_boots_and_opens_connections_the_runtime_still_handles_its_thread_interruption_signal()
    {
        var db = await databases.For(ClickHouseLane.Embedded, nameof(EmbeddedSignalTests));
        // Statements in parallel: the pool opens further connections.
        await Task.WhenAll(Enumerable.Range(0, db.Store.Engine!.MaxConnections).Select(_ => db.Client.ExecuteScalarAsync("SELECT count() FROM system.one")));

        var action = new byte[256];
        Assert.Equal(0, SigAction(CurrentSigRtMin(), 0, action));
        var handler = BitConverter.ToInt64(action, 0);
        var info = new nint[4];
        Assert.NotEqual(0, DlAddr((nint)handler, info));

        Assert.Contains("libcoreclr", Marshal.PtrToStringUTF8(info[0]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Child_processes_started_before_a_connection_opens_are_still_reaped_after_it()
    {
        var db = await databases.For(ClickHouseLane.Embedded, nameof(EmbeddedSignalTests));
        // The runtime installs its SIGCHLD handler when it first starts a child; a connection opened after that must
        // leave it in place, or Process.WaitForExit never returns (a test run hung on the browser's driver so).
        await RunChildAsync();
        var pool = db.Store.Engine!.OpenPool(1, new Dictionary<string, string>());
        using (var http = new HttpClient(new EmbeddedClickHouseHandler(pool)))
        {
            using var answer = await http.PostAsync("http://embedded/", new StringContent("SELECT 1"));
            Assert.Equal("1\n", await answer.Content.ReadAsStringAsync());
        }

        pool.Close();

        await RunChildAsync();
    }

    private static async Task RunChildAsync()
    {
        using var child = System.Diagnostics.Process.Start("true");
        await child.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, child.ExitCode);
    }

    // DllImport, not LibraryImport: the source-generated form needs unsafe code, which this project does not allow.
    [DllImport("libc.so.6", EntryPoint = "sigaction")]
    private static extern int SigAction(int signal, nint action, [Out] byte[] previous);

    [DllImport("libc.so.6", EntryPoint = "__libc_current_sigrtmin")]
    private static extern int CurrentSigRtMin();

    [DllImport("libc.so.6", EntryPoint = "dladdr")]
    private static extern int DlAddr(nint address, [Out] nint[] info);
}
