using System.Text;
using ServiceAnalytics.Contracts.Query.V1;

namespace ServiceAnalytics.Server.Services;

/// <summary>
/// Reads the export's CSV (<see cref="ChatCsv"/>) back into rows: RFC 4180 records (a quoted field may hold commas,
/// doubled quotes and line breaks), the one leading quote that made a value inert removed, each field read by its
/// column (<see cref="ChatColumn.Read"/>). One chunk of the ExportChats stream at a time: chunks hold whole records.
/// </summary>
internal static class ChatCsvReader
{
    /// <summary>The rows of <paramref name="chunk"/>, which starts with the header record when <paramref name="first"/>.</summary>
    /// <exception cref="FormatException">A record is not one of the export's (another header, a field count or a value that is not a column's).</exception>
    public static List<ChatRow> Rows(string chunk, bool first)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var records = Records(chunk);
        if (first)
        {
            if (records.Count == 0 || !records[0].SequenceEqual(ChatColumn.All.Select(c => c.Name)))
            {
                throw new FormatException($"The header is not the export's columns: {string.Join(',', records.FirstOrDefault() ?? [])}");
            }

            records.RemoveAt(0);
        }

        var rows = new List<ChatRow>(records.Count);
        foreach (var record in records)
        {
            if (record.Count != ChatColumn.All.Count)
            {
                throw new FormatException($"A record has {record.Count} fields, not {ChatColumn.All.Count}.");
            }

            var row = new ChatRow();
            for (var i = 0; i < record.Count; i++)
            {
                ChatColumn.All[i].Read(row, record[i].StartsWith('\'') ? record[i][1..] : record[i]);
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>The records of <paramref name="text"/>, separated by line feeds (or CRLF), the last one without.</summary>
    private static List<List<string>> Records(string text)
    {
        var records = new List<List<string>>();
        if (text.Length == 0)
        {
            return records;
        }

        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n' || (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n'))
            {
                i += c == '\r' ? 1 : 0;
                fields.Add(field.ToString());
                field.Clear();
                records.Add(fields);
                fields = [];
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        records.Add(fields);
        return records;
    }
}
