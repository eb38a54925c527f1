using System.Runtime.InteropServices;

namespace ServiceAnalytics.EmbeddedClickHouse;

/// <summary>
/// The part of chDB's C API (<c>chdb.h</c>, 26.7) that the embedded transport uses. Every handle is an opaque
/// pointer; ownership rules are those of the header: results are freed with <see cref="DestroyQueryResult"/>,
/// insert streams with <see cref="DestroyInsertStream"/>. The library itself is located by
/// <see cref="ChdbLibraryResolver"/>.
/// </summary>
internal static unsafe partial class ChdbNative
{
    public const string LibraryName = "chdb";

    [LibraryImport(LibraryName, EntryPoint = "chdb_version")]
    public static partial nint Version();

    /// <summary>Process-wide: 0 keeps chDB from installing signal handlers, which would take SIGSEGV from the .NET runtime.</summary>
    [LibraryImport(LibraryName, EntryPoint = "chdb_set_signal_handlers_enabled")]
    public static partial void SetSignalHandlersEnabled(int enabled);

    /// <summary>Returns a <c>chdb_connection*</c> (a pointer to the connection handle), or null.</summary>
    [LibraryImport(LibraryName, EntryPoint = "chdb_connect")]
    public static partial nint Connect(int argc, nint* argv);

    /// <summary>Closes a connection (takes the <c>chdb_connection*</c>); closing the last one stops the engine.</summary>
    [LibraryImport(LibraryName, EntryPoint = "chdb_close_conn")]
    public static partial void CloseConnection(nint connectionSlot);

    /// <summary>Joins every engine thread; returns 0 once none is left. Call after closing all connections.</summary>
    [LibraryImport(LibraryName, EntryPoint = "chdb_shutdown")]
    public static partial int Shutdown();

    [LibraryImport(LibraryName, EntryPoint = "chdb_query_with_params_n")]
    public static partial nint QueryWithParams(
        nint connection, byte* query, nuint queryLength, byte* format, nuint formatLength,
        byte** names, nuint* nameLengths, byte** values, nuint* valueLengths, nuint count);

    [LibraryImport(LibraryName, EntryPoint = "chdb_stream_insert_with_params_n")]
    public static partial nint StreamInsertWithParams(
        nint connection, byte* query, nuint queryLength, byte* format, nuint formatLength,
        byte** names, nuint* nameLengths, byte** values, nuint* valueLengths, nuint count);

    /// <summary>Returns 0 on success, 1 when the stream already failed or was finalized.</summary>
    [LibraryImport(LibraryName, EntryPoint = "chdb_stream_append")]
    public static partial int StreamAppend(nint stream, byte* data, nuint length);

    [LibraryImport(LibraryName, EntryPoint = "chdb_stream_done")]
    public static partial nint StreamDone(nint stream);

    [LibraryImport(LibraryName, EntryPoint = "chdb_stream_cancel_insert")]
    public static partial void StreamCancelInsert(nint stream);

    [LibraryImport(LibraryName, EntryPoint = "chdb_stream_insert_error")]
    public static partial nint StreamInsertError(nint stream);

    [LibraryImport(LibraryName, EntryPoint = "chdb_destroy_insert_stream")]
    public static partial void DestroyInsertStream(nint stream);

    [LibraryImport(LibraryName, EntryPoint = "chdb_result_buffer")]
    public static partial byte* ResultBuffer(nint result);

    [LibraryImport(LibraryName, EntryPoint = "chdb_result_length")]
    public static partial nuint ResultLength(nint result);

    [LibraryImport(LibraryName, EntryPoint = "chdb_result_error")]
    public static partial nint ResultError(nint result);

    [LibraryImport(LibraryName, EntryPoint = "chdb_result_rows_read")]
    public static partial ulong ResultRowsRead(nint result);

    [LibraryImport(LibraryName, EntryPoint = "chdb_result_bytes_read")]
    public static partial ulong ResultBytesRead(nint result);

    [LibraryImport(LibraryName, EntryPoint = "chdb_result_rows_written")]
    public static partial ulong ResultRowsWritten(nint result);

    [LibraryImport(LibraryName, EntryPoint = "chdb_result_bytes_written")]
    public static partial ulong ResultBytesWritten(nint result);

    [LibraryImport(LibraryName, EntryPoint = "chdb_result_elapsed")]
    public static partial double ResultElapsed(nint result);

    [LibraryImport(LibraryName, EntryPoint = "chdb_destroy_query_result")]
    public static partial void DestroyQueryResult(nint result);

    /// <summary>Reads a NUL-terminated UTF-8 string owned by chDB; null pointer gives null.</summary>
    public static string? ReadString(nint utf8) => utf8 == 0 ? null : Marshal.PtrToStringUTF8(utf8);
}
