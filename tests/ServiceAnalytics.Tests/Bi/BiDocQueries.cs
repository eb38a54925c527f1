using System.Collections;
using System.Text.RegularExpressions;
using ClickHouse.Driver.ADO.Parameters;
using Google.Protobuf.Reflection;

namespace ServiceAnalytics.Tests.Bi;

/// <summary>
/// The SQL of docs/bi.md: each fenced <c>sql</c> block that follows a marker <c>&lt;!-- bi-query: name --&gt;</c>, run as
/// written with its parameters bound, and the comparison of its rows with an RPC's answer field by field (a column
/// per field, of the field's name), so the documented queries cannot drift from the RPCs.
/// </summary>
internal static partial class BiDocQueries
{
    public static string DocPath { get; } = Path.Combine(RepositoryLayout.Root, "docs", "bi.md");

    private static readonly Lazy<IReadOnlyDictionary<string, string>> s_queries = new(() =>
        QueryBlock().Matches(File.ReadAllText(DocPath)).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value));

    /// <summary>The documented query named <paramref name="name"/>.</summary>
    public static string Sql(string name) =>
        s_queries.Value.TryGetValue(name, out var sql) ? sql : throw new InvalidOperationException($"docs/bi.md has no query '{name}'.");

    /// <summary>Runs the documented query for the shop and period; each row as column name → normalized value.</summary>
    public static async Task<List<Dictionary<string, object?>>> RunAsync(ServiceHost host, string name, string shopId, DateOnly from, DateOnly to)
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("shop", shopId);
        parameters.AddParameter("from", BiScenario.Iso(from));
        parameters.AddParameter("to", BiScenario.Iso(to));
        using var reader = await host.Store.Client.ExecuteReaderAsync(Sql(name), parameters);
        var rows = new List<Dictionary<string, object?>>();
        while (reader.Read())
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, i => Normalize(reader.GetValue(i))));
        }

        return rows;
    }

    /// <summary>
    /// Every field of <paramref name="answer"/> but <paramref name="notInRow"/> equals the row's column of its name
    /// (an unset optional field is NULL; doubles to 1e-9 relative: sums may add in another order).
    /// </summary>
    public static void AssertSame(IMessage answer, IReadOnlyDictionary<string, object?> row, string context, params string[] notInRow)
    {
        foreach (var field in answer.Descriptor.Fields.InFieldNumberOrder().Where(f => !notInRow.Contains(f.Name)))
        {
            Assert.True(row.ContainsKey(field.Name), $"{context}: the query has no column {field.Name}");
            var expected = Normalize(field.HasPresence && !field.Accessor.HasValue(answer) ? null : field.Accessor.GetValue(answer));
            Assert.True(Same(expected, row[field.Name]), $"{context}: {field.Name} is {Show(row[field.Name])} in SQL, {Show(expected)} from the RPC");
        }
    }

    /// <summary>The RPC's value of a field of <paramref name="answer"/>, normalized as query values are.</summary>
    public static object? Field(IMessage answer, string name)
    {
        var field = answer.Descriptor.FindFieldByName(name);
        return Normalize(field.HasPresence && !field.Accessor.HasValue(answer) ? null : field.Accessor.GetValue(answer));
    }

    /// <summary>Numbers as doubles, dates as yyyy-MM-dd, arrays as lists, NULL as null.</summary>
    public static object? Normalize(object? value) => value switch
    {
        null or DBNull => null,
        string or bool => value,
        DateTime day => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        IEnumerable items => items.Cast<object?>().Select(Normalize).ToList(),
        IConvertible number => number.ToDouble(CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static bool Same(object? expected, object? actual) => (expected, actual) switch
    {
        (null, null) => true,
        (double e, double a) => Math.Abs(e - a) <= 1e-9 * Math.Max(1, Math.Abs(e)),
        (List<object?> e, List<object?> a) => e.Count == a.Count && e.Zip(a).All(p => Same(p.First, p.Second)),
        _ => Equals(expected, actual),
    };

    private static string Show(object? value) => value switch
    {
        null => "NULL",
        List<object?> items => $"[{string.Join(", ", items.Select(Show))}]",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    [GeneratedRegex(@"<!-- bi-query: ([\w-]+) -->\s*```sql\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex QueryBlock();
}
