using System.Collections;
using Google.Protobuf.WellKnownTypes;
using Parquet;
using Parquet.Serialization;
using ServiceAnalytics.Contracts.Query.V1;
using ServiceAnalytics.Server.Services;

namespace ServiceAnalytics.UnitTests.Server;

/// <summary>The export's one column list and its Parquet file, without an engine: rows in, the same rows read back by Parquet.Net.</summary>
public sealed class ChatExportFormatTests
{
    [Fact]
    public void The_columns_are_the_chat_rows_fields_in_declaration_order()
    {
        Assert.Equal(ChatRow.Descriptor.Fields.InDeclarationOrder().Select(f => f.Name), ChatColumn.All.Select(c => c.Name));
    }

    [Fact]
    public async Task A_parquet_file_of_several_row_groups_reads_back_as_the_rows_written()
    {
        // Two and a half row groups; every third row without tags, every fourth without a first response.
        var rows = Enumerable.Range(0, ChatParquet.RowGroupChats * 5 / 2).Select(Row).ToList();
        using var file = new MemoryStream();
        await using (var parquet = await ChatParquet.CreateAsync(file, CancellationToken.None))
        {
            foreach (var row in rows)
            {
                await parquet.AppendAsync(row, CancellationToken.None);
            }

            await parquet.CompleteAsync(CancellationToken.None);
        }

        file.Position = 0;
        await using (var reader = await ParquetReader.CreateAsync(file, leaveStreamOpen: true))
        {
            Assert.Equal(3, reader.RowGroupCount);
        }

        file.Position = 0;
        var table = await ParquetSerializer.DeserializeUntypedAsync(file);
        Assert.Equal(rows.Count, table.Data.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var values = table.Data[i];
            var row = rows[i];
            Assert.Equal(row.ChatId, Text(values["chat_id"]));
            Assert.Equal(row.ReceivedAt.ToDateTime(), DateTime.SpecifyKind((DateTime)values["received_at"], DateTimeKind.Utc));
            Assert.Equal(row.Tags, values.TryGetValue("tags", out var tags) && tags is IEnumerable list ? list.Cast<object>().Select(Text) : []);
            Assert.Equal(row.HasFirstResponseSeconds ? row.FirstResponseSeconds : null, values.GetValueOrDefault("first_response_seconds") as double?);
            Assert.Equal(ChatColumn.All[3].TextOf(row), Text(values["status"]));
            Assert.Equal(row.Rating, (int)values["rating"]);
            Assert.Equal(row.Converted, (bool)values["converted"]);
            Assert.Equal(row.MatchingInquiries, (long)values["matching_inquiries"]);
        }
    }

    [Fact]
    public void The_csv_reads_back_as_the_rows_written_hostile_values_included()
    {
        // Values a spreadsheet would run, quotes, commas, line breaks, the tag separator and its escape.
        string[] hostile = ["=1+1", "-3", "@SUM(A1)", "'quoted", "plain\"quote, comma", "line\nbreak", "\tlead tab", "pipe|and\\back", ""];
        var rows = Enumerable.Range(0, 300).Select(Row).ToList();
        foreach (var (value, i) in hostile.Select((v, i) => (v, i)))
        {
            rows[i].ChatId = value.Length > 0 ? value : "empty";
            rows[i].CustomerId = value;
            rows[i].CurrentAgentId = value;
            rows[i].Tags.Clear();
            rows[i].Tags.Add([value, "x"]);
        }

        var csv = new ChatCsv();
        var chunks = new List<string>();
        foreach (var row in rows)
        {
            csv.Append(row);
            if (csv.IsFull)
            {
                chunks.Add(csv.Take().Data.ToStringUtf8());
            }
        }

        chunks.Add(csv.Take().Data.ToStringUtf8());

        Assert.Equal(rows, chunks.SelectMany((chunk, i) => ChatCsvReader.Rows(chunk, first: i == 0)));
        Assert.Throws<FormatException>(() => ChatCsvReader.Rows("chat_id,customer_id\nx,y", first: true));
        Assert.Throws<FormatException>(() => ChatCsvReader.Rows(chunks[0].Replace("STATUS_", "STATE_", StringComparison.Ordinal), first: true));
    }

    [Fact]
    public async Task An_export_without_rows_is_a_valid_parquet_file_with_the_columns()
    {
        using var file = new MemoryStream();
        await using (var parquet = await ChatParquet.CreateAsync(file, CancellationToken.None))
        {
            await parquet.CompleteAsync(CancellationToken.None);
        }

        file.Position = 0;
        await using var reader = await ParquetReader.CreateAsync(file);
        Assert.Equal(0, reader.RowGroupCount);
        Assert.Equal(ChatColumn.All.Select(c => c.Name), reader.Schema.Fields.Select(f => f.Name));
    }

    private static ChatRow Row(int i)
    {
        var row = new ChatRow
        {
            ChatId = $"chat-{i}",
            CustomerId = $"customer-{i % 7}",
            ReceivedAt = Timestamp.FromDateTime(new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc).AddMilliseconds(i * 13_001L)),
            Status = (ChatStatus)(1 + (i % 3)),
            Type = (ChatType)(1 + (i % 6)),
            CurrentAgentId = i % 5 == 0 ? "" : $"agent-{i % 4}",
            Rating = i % 6,
            Converted = i % 2 == 0,
            MatchingInquiries = i % 4,
            MatchingTransfers = i % 3,
        };
        row.Tags.Add(Enumerable.Range(0, i % 3).Select(t => $"tag-{t}|{i % 10}"));
        if (i % 4 != 0)
        {
            row.FirstResponseSeconds = i * 0.25;
        }

        return row;
    }

    private static string Text(object value) => value is ReadOnlyMemory<char> characters ? characters.ToString() : (string)value;
}
