namespace ServiceAnalytics.Tests.Infrastructure;

/// <summary>
/// Reads CSV as RFC 4180 defines it (records end with CRLF or LF; a quoted field may hold commas, doubled quotes and
/// line breaks), independently of the service's writer, so the export is checked against the standard, not itself.
/// </summary>
internal static class CsvRecords
{
    public static List<string[]> Parse(string text)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            if (field.Length == 0 && text[i] == '"')
            {
                i = ReadQuoted(text, i + 1, field);
                continue;
            }

            switch (text[i])
            {
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    i++;
                    break;
                case '\r' when i + 1 < text.Length && text[i + 1] == '\n':
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    records.Add([.. fields]);
                    fields.Clear();
                    i += text[i] == '\r' ? 2 : 1;
                    break;
                case '"':
                    Assert.Fail($"a quote inside an unquoted field at {i}");
                    break;
                default:
                    field.Append(text[i++]);
                    break;
            }
        }

        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            records.Add([.. fields]);
        }

        return records;
    }

    /// <summary>
    /// Reads a quoted field's content from <paramref name="start"/> (just after its opening quote) into
    /// <paramref name="field"/>, a doubled quote as one; the index just after its closing quote, which must end the field.
    /// </summary>
    private static int ReadQuoted(string text, int start, StringBuilder field)
    {
        var i = start;
        while (true)
        {
            Assert.True(i < text.Length, "a quoted field is not closed");
            if (text[i] == '"' && i + 1 < text.Length && text[i + 1] == '"')
            {
                field.Append('"');
                i += 2;
            }
            else if (text[i] == '"')
            {
                i++;
                break;
            }
            else
            {
                field.Append(text[i++]);
            }
        }

        Assert.True(i == text.Length || text[i] is ',' or '\r' or '\n', $"text after a closing quote at {i}");
        return i;
    }
}
