using System.Text;
using ServiceAnalytics.Storage.Facts;

namespace ServiceAnalytics.Server.Ingestion;

/// <summary>
/// A batch's rows as one journal record (<see cref="IngestionJournal"/>): the number of tables, then per table its
/// index in <see cref="FactTables.All"/>, its row count and its RowBinary bytes as ClickHouse receives them; then the
/// chats and customers it touched (the rows of <c>fact_arrivals</c>). Integers little-endian, strings length-prefixed
/// UTF-8 (<see cref="BinaryWriter"/>).
/// </summary>
internal static class JournalRecord
{
    public static void Write(FactBatch batch, Stream destination)
    {
        using var writer = new BinaryWriter(destination, Encoding.UTF8, leaveOpen: true);
        var tables = batch.NonEmptyTables.ToList();
        writer.Write((byte)tables.Count);
        foreach (var (table, rows) in tables)
        {
            writer.Write((byte)IndexOf(table));
            writer.Write(rows.RowCount);
            writer.Write(rows.Length);
            writer.Flush();
            using var encoded = rows.OpenRead();
            encoded.CopyTo(destination);
        }

        writer.Write(batch.Touched.Count);
        foreach (var (shopId, chatId, customerId) in batch.Touched)
        {
            writer.Write(shopId);
            writer.Write(chatId);
            writer.Write(customerId);
        }
    }

    public static FactBatch Read(ReadOnlyMemory<byte> record)
    {
        var batch = new FactBatch();
        using var reader = new BinaryReader(new MemoryStream(record.ToArray(), writable: false), Encoding.UTF8);
        var tables = reader.ReadByte();
        for (var t = 0; t < tables; t++)
        {
            var table = FactTables.All[reader.ReadByte()];
            var rowCount = reader.ReadInt32();
            var length = checked((int)reader.ReadInt64());
            batch.RowsOf(table).AppendEncoded(reader.ReadBytes(length), rowCount);
        }

        var touched = reader.ReadInt32();
        for (var i = 0; i < touched; i++)
        {
            batch.Touch(reader.ReadString(), reader.ReadString(), reader.ReadString());
        }

        return batch;
    }

    private static int IndexOf(FactTable table)
    {
        for (var i = 0; i < FactTables.All.Count; i++)
        {
            if (FactTables.All[i] == table)
            {
                return i;
            }
        }

        throw new ArgumentException($"{table.Name} is not a fact table", nameof(table));
    }
}
