using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ServiceAnalytics.Storage.Migrations;

/// <summary>
/// The server-side BI access (<c>Migrations/Access/bi_access.sql</c>, docs/bi-access.md): the reader and analyst
/// roles, their settings profile and the no-shops and all-shops row policies on every BI view. Not a numbered migration: what it
/// creates follows <see cref="BiAccessOptions"/>, so <see cref="SchemaMigrator"/> applies it after the numbered
/// scripts on every start when enabled, and records nothing. Rendered by <see cref="SchemaTarget"/> like the
/// scripts (<c>ON CLUSTER</c> on a cluster) once its own placeholders are filled from the options.
/// </summary>
public static partial class BiAccessScript
{
    /// <summary>The template as shipped in this assembly.</summary>
    public static string Template { get; } = LoadTemplate();

    /// <summary>The statements that give BI access as <paramref name="options"/> configure it, in order.</summary>
    public static IReadOnlyList<string> Render(SchemaTarget target, BiAccessOptions options)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        var names = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["reader_role"] = Name(options.ReaderRole, "ClickHouse:BiAccess:ReaderRole"),
            ["analyst_role"] = Name(options.AnalystRole, "ClickHouse:BiAccess:AnalystRole"),
            ["profile"] = Name(options.Profile, "ClickHouse:BiAccess:Profile"),
            ["no_shops_policy"] = Name(options.NoShopsPolicy, "ClickHouse:BiAccess:NoShopsPolicy"),
            ["all_shops_policy"] = Name(options.AllShopsPolicy, "ClickHouse:BiAccess:AllShopsPolicy"),
            ["max_execution_time"] = Number((long)options.MaxExecutionTime.TotalSeconds),
            ["max_result_rows"] = Number(options.MaxResultRows),
            ["max_result_bytes"] = Number(options.MaxResultBytes),
            ["max_memory_usage"] = Number(options.MaxMemoryUsage),
        };
        var text = OwnPlaceholder().Replace(Template, m => names.TryGetValue(m.Groups[1].Value, out var value) ? value : m.Value);
        var statements = target.Render(text);
        var unknown = statements.Select(s => AnyPlaceholder().Match(s)).FirstOrDefault(m => m.Success);
        return unknown is null ? statements : throw new InvalidOperationException($"bi_access.sql has an unknown placeholder {unknown.Value}.");
    }

    /// <summary>
    /// True when running the statement again changes nothing: <c>CREATE ROLE|SETTINGS PROFILE|ROW POLICY … IF NOT
    /// EXISTS</c>, <c>GRANT</c> (granting what is granted is a no-op), and <c>ALTER SETTINGS PROFILE|ROW POLICY</c>
    /// (sets the whole definition, the same each time).
    /// </summary>
    public static bool IsRerunnable(string statement) => Rerunnable().IsMatch(statement);

    private static string Name(string name, string setting) => SchemaNames.Quote(SchemaNames.CheckIdentifier(name, setting));

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string LoadTemplate()
    {
        using var stream = typeof(BiAccessScript).Assembly.GetManifestResourceStream("Access.bi_access.sql")
            ?? throw new InvalidOperationException("The BI access template Access.bi_access.sql is not embedded in the storage assembly.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"\{\{([a-z_]+)\}\}")]
    private static partial Regex OwnPlaceholder();

    [GeneratedRegex(@"\{\{[^}]*\}\}")]
    private static partial Regex AnyPlaceholder();

    [GeneratedRegex(@"^\s*(CREATE\s+(ROLE|SETTINGS\s+PROFILE|ROW\s+POLICY)\s+IF\s+NOT\s+EXISTS\b|GRANT\b(?![\s\S]*\bWITH\s+(GRANT|ADMIN|REPLACE)\s+OPTION\b)|ALTER\s+(SETTINGS\s+PROFILE|ROW\s+POLICY)\b)", RegexOptions.IgnoreCase)]
    private static partial Regex Rerunnable();
}
