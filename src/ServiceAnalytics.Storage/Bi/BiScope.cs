using System.Text;

namespace ServiceAnalytics.Storage.Bi;

/// <summary>
/// The value of <c>additional_table_filters</c> for one BI caller: a ClickHouse map literal from
/// <c>'db.table'</c> to a filter expression the engine adds to every read of that table in the statement, also
/// through views and views over views. The BI views and the tables they read (<see cref="BiViews.SourceTables"/>)
/// are limited to the caller's shops (none for a platform caller); every other table of the service database but
/// the rollup run log the views read their <c>as_of</c> from (<see cref="BiViews.RunLog"/>: no shop's rows, and the
/// guard refuses it to a caller by name) reads nothing (<c>0</c>); <c>system.tables</c>/<c>system.columns</c> list
/// only the BI views and <c>system.databases</c> only the service database. This is the only place the SQL endpoint
/// splices values into SQL text: the shop ids (from the service's own key configuration) and names, each quoted by
/// <see cref="Quote"/>.
/// <para>
/// <em>Decided</em>, for speed: the other system tables get no entry. The engine pays for every entry on every
/// statement (a map of every system table made a 13 ms aggregate 2 ms slower), and the guard already refuses every
/// system table but the four above by name, from the parser's tree, before anything runs; the service tables keep their
/// <c>0</c> as a second line behind the guard. One shop is filtered with <c>=</c>, which costs nothing measurable,
/// where <c>IN</c> of one value cost as much again.
/// </para>
/// </summary>
public static class BiScope
{
    private const string LocalSuffix = "_local";

    /// <summary>
    /// Builds the filter map. <paramref name="serviceTables"/>: every table of the service database;
    /// <paramref name="shops"/>: the caller's shops, null for every shop.
    /// </summary>
    public static string Filters(string serviceDatabase, IEnumerable<string> serviceTables, IReadOnlySet<string>? shops)
    {
        ArgumentNullException.ThrowIfNull(serviceTables);
        var filters = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var scoped = BiViews.Names.Concat(BiViews.SourceTables).ToHashSet(StringComparer.Ordinal);
        var shopFilter = shops switch
        {
            null => "1",
            { Count: 0 } => "0",
            { Count: 1 } => $"shop_id = {Quote(shops.Single())}",
            _ => $"shop_id IN ({string.Join(", ", shops.Order(StringComparer.Ordinal).Select(Quote))})",
        };
        foreach (var table in serviceTables.Concat(scoped))
        {
            // On a cluster a table's storage is `name_local` under the Distributed `name` (SchemaTarget): the shards
            // read the local tables with these settings, so a local table is scoped (or left readable) as its name.
            var name = table.EndsWith(LocalSuffix, StringComparison.Ordinal) ? table[..^LocalSuffix.Length] : table;
            if (name != BiViews.RunLog)
            {
                filters[$"{serviceDatabase}.{table}"] = scoped.Contains(name) ? shopFilter : "0";
            }
        }

        var views = string.Join(", ", BiViews.Names.Select(Quote));
        filters["system.one"] = "1";
        filters["system.tables"] = $"database = {Quote(serviceDatabase)} AND name IN ({views})";
        filters["system.columns"] = $"database = {Quote(serviceDatabase)} AND table IN ({views})";
        filters["system.databases"] = $"name = {Quote(serviceDatabase)}";
        return "{" + string.Join(", ", filters.Select(filter => $"{Quote(filter.Key)}: {Quote(filter.Value)}")) + "}";
    }

    /// <summary>
    /// <paramref name="value"/> as a ClickHouse single-quoted string literal: backslash and quote escaped, and every
    /// control character written as an escape, so the literal is one line and ends exactly at its closing quote.
    /// </summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(value.Length + 2).Append('\'');
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => builder.Append(@"\\"),
                '\'' => builder.Append(@"\'"),
                '\n' => builder.Append(@"\n"),
                '\r' => builder.Append(@"\r"),
                '\t' => builder.Append(@"\t"),
                '\0' => builder.Append(@"\0"),
                _ when c < ' ' || c == '\x7f' => builder.Append(@"\x").Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture)),
                _ => builder.Append(c),
            };
        }

        return builder.Append('\'').ToString();
    }
}
