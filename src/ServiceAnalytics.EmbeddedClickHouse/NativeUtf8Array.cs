using System.Runtime.InteropServices;
using System.Text;

namespace ServiceAnalytics.EmbeddedClickHouse;

/// <summary>
/// UTF-8 copies of strings in native memory, with the pointer and length arrays chDB's <c>*_n</c> functions take.
/// </summary>
internal sealed unsafe class NativeUtf8Array : IDisposable
{
    private readonly byte* _block;

    public NativeUtf8Array(IReadOnlyList<string> items)
    {
        Count = items.Count;
        var totalBytes = 0;
        foreach (var item in items)
        {
            totalBytes += Encoding.UTF8.GetByteCount(item);
        }

        var tableBytes = (nuint)(Count * (sizeof(byte*) + sizeof(nuint)));
        _block = (byte*)NativeMemory.Alloc(tableBytes + (nuint)Math.Max(totalBytes, 1));
        Pointers = (byte**)_block;
        Lengths = (nuint*)(_block + (Count * sizeof(byte*)));
        var cursor = _block + tableBytes;
        for (var i = 0; i < Count; i++)
        {
            var written = Encoding.UTF8.GetBytes(items[i], new Span<byte>(cursor, totalBytes));
            Pointers[i] = cursor;
            Lengths[i] = (nuint)written;
            cursor += written;
            totalBytes -= written;
        }
    }

    public int Count { get; }

    public byte** Pointers { get; }

    public nuint* Lengths { get; }

    public void Dispose() => NativeMemory.Free(_block);
}
