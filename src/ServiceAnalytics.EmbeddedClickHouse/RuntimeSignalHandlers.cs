using System.Runtime.InteropServices;

namespace ServiceAnalytics.EmbeddedClickHouse;

/// <summary>
/// Keeps the .NET runtime's signal handlers when the engine boots. ClickHouse installs its own handler for SIGRTMIN
/// when it attaches its system tables (for <c>system.stack_trace</c>), and SIGRTMIN is the signal the runtime sends a
/// thread to interrupt it for garbage collection. The engine's handler is not safe for a thread interrupted inside
/// <c>malloc</c> (it touches the library's thread-local storage, which a thread's first use allocates), and under load
/// it deadlocked the whole process: a .NET thread stuck on the allocator's lock it already held, every other thread
/// behind it, the service no longer answering nor stopping. So every handler is read before the library is loaded and
/// any the engine replaced is put back once a connection is open. <c>system.stack_trace</c> is thereby unusable, and
/// nothing reads it (the SQL endpoint's scope keeps BI tools from system tables). chDB's crash handlers are off
/// already (<see cref="ChdbNative.SetSignalHandlersEnabled"/>). Linux only, as the library is.
/// </summary>
internal static unsafe partial class RuntimeSignalHandlers
{
    /// <summary>Bytes kept per signal: more than <c>struct sigaction</c> takes on any glibc platform (152).</summary>
    private const int ActionBytes = 256;

    /// <summary>Linux signals are 1 to 64.</summary>
    private const int Signals = 64;

    private static byte[]? s_saved;

    /// <summary>Reads the handler of every signal, as the runtime set them (before the engine's library is loaded).</summary>
    public static void Save()
    {
        var saved = new byte[(Signals + 1) * ActionBytes];
        fixed (byte* actions = saved)
        {
            for (var signal = 1; signal <= Signals; signal++)
            {
                // Signals the C library reserves for itself cannot be read: their slot stays zero and is never restored.
                _ = SigAction(signal, null, actions + (signal * ActionBytes));
            }
        }

        s_saved = saved;
    }

    /// <summary>Puts back every handler that changed since <see cref="Save"/>; returns how many.</summary>
    public static int Restore()
    {
        if (s_saved is not { } saved)
        {
            return 0;
        }

        var restored = 0;
        var current = stackalloc byte[ActionBytes];
        fixed (byte* actions = saved)
        {
            for (var signal = 1; signal <= Signals; signal++)
            {
                var runtimes = actions + (signal * ActionBytes);
                // The handler is the structure's first field; flags and mask go back with it.
                if (SigAction(signal, null, current) == 0 && *(nint*)current != *(nint*)runtimes && SigAction(signal, runtimes, null) == 0)
                {
                    restored++;
                }
            }
        }

        return restored;
    }

    [LibraryImport("libc.so.6", EntryPoint = "sigaction")]
    private static partial int SigAction(int signal, byte* action, byte* previous);
}
