using System.Runtime.InteropServices;

namespace ServiceAnalytics.EmbeddedClickHouse;

/// <summary>
/// Keeps the .NET runtime's signal handlers when the engine opens a connection. Booting, ClickHouse installs its own
/// handler for SIGRTMIN (for <c>system.stack_trace</c>), and SIGRTMIN is the signal the runtime sends a thread to
/// interrupt it for garbage collection. The engine's handler is not safe for a thread interrupted inside
/// <c>malloc</c> (it touches the library's thread-local storage, which a thread's first use allocates), and under load
/// it deadlocked the whole process: a .NET thread stuck on the allocator's lock it already held, every other thread
/// behind it, the service no longer answering nor stopping. So the handlers are read just before a connection opens
/// (<see cref="Read"/>) and those the engine replaced meanwhile are put back (<see cref="RestoreReplacedByEngine"/>).
/// Only handlers that now point into the engine's library are touched: the runtime installs some of its own later
/// (SIGCHLD when it first starts a child process), and putting back an older value of those would stop it from
/// reaping children. <c>system.stack_trace</c> is unusable as a consequence, and nothing reads it (the SQL endpoint
/// keeps BI tools from system tables). chDB's crash handlers are off already
/// (<see cref="ChdbNative.SetSignalHandlersEnabled"/>). Linux with glibc only, as the library is.
/// </summary>
internal static unsafe partial class RuntimeSignalHandlers
{
    /// <summary>Bytes kept per signal: more than <c>struct sigaction</c> takes on any glibc platform (152).</summary>
    private const int ActionBytes = 256;

    /// <summary>Linux signals are 1 to 64.</summary>
    private const int Signals = 64;

    /// <summary>Every signal's handler now (slots of signals the C library reserves for itself stay zero).</summary>
    public static byte[] Read()
    {
        var actions = new byte[(Signals + 1) * ActionBytes];
        fixed (byte* slots = actions)
        {
            for (var signal = 1; signal <= Signals; signal++)
            {
                _ = SigAction(signal, null, slots + (signal * ActionBytes));
            }
        }

        return actions;
    }

    /// <summary>
    /// Puts back the handler of <paramref name="before"/> (<see cref="Read"/>) for every signal whose handler has
    /// changed since to one inside the engine's library.
    /// </summary>
    public static void RestoreReplacedByEngine(byte[] before)
    {
        ArgumentNullException.ThrowIfNull(before);
        var current = stackalloc byte[ActionBytes];
        var info = stackalloc nint[4];
        fixed (byte* slots = before)
        {
            for (var signal = 1; signal <= Signals; signal++)
            {
                var previous = slots + (signal * ActionBytes);
                if (SigAction(signal, null, current) != 0)
                {
                    continue;
                }

                // The handler is the structure's first field; flags and mask go back with it.
                var handler = *(nint*)current;
                if (handler != *(nint*)previous && InEngine(handler, info))
                {
                    _ = SigAction(signal, previous, null);
                }
            }
        }
    }

    /// <summary>Whether <paramref name="handler"/> is code of the chDB library (<c>dladdr</c>'s file name).</summary>
    private static bool InEngine(nint handler, nint* info) =>
        handler > 1 && DlAddr(handler, info) != 0 && Marshal.PtrToStringUTF8(info[0]) is { } file
        && Path.GetFileName(file).StartsWith("libchdb", StringComparison.Ordinal);

    [LibraryImport("libc.so.6", EntryPoint = "sigaction")]
    private static partial int SigAction(int signal, byte* action, byte* previous);

    /// <summary><c>dladdr</c>: in libdl.so.2 on every glibc (a compatibility stub for libc's since 2.34).</summary>
    [LibraryImport("libdl.so.2", EntryPoint = "dladdr")]
    private static partial int DlAddr(nint address, nint* info);
}
