using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace ServiceAnalytics.Storage.Migrations;

/// <summary>
/// One versioned SQL file from <c>Migrations/Scripts</c>, named <c>NNNN_description.sql</c>. Its statements are
/// separated by a <c>;</c> at the end of a line. Every statement must be safe to run twice (see
/// <see cref="IsRerunnable"/>): that is what makes a re-run, and two instances migrating at once, harmless.
/// </summary>
public sealed partial record MigrationScript(int Version, string Name, string Template)
{
    /// <summary>SHA-256 of the file; a script changed after it was applied is refused.</summary>
    public string Checksum => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Template)));

    /// <summary>The scripts shipped in this assembly, in version order.</summary>
    public static IReadOnlyList<MigrationScript> Embedded { get; } = LoadEmbedded();

    /// <summary>The statements of the script, in order, rendered for <paramref name="target"/>.</summary>
    public IReadOnlyList<string> Render(SchemaTarget target) => target.Render(Template);

    /// <summary>
    /// True when running the statement again changes nothing: <c>CREATE … IF NOT EXISTS</c>, <c>CREATE OR REPLACE VIEW</c>
    /// (the same definition again), <c>DROP … IF EXISTS</c>,
    /// <c>ALTER TABLE … ADD/DROP/MODIFY … IF [NOT] EXISTS</c>, <c>ALTER TABLE … RENAME COLUMN IF EXISTS</c> (once renamed,
    /// the old name is gone), <c>ALTER TABLE … MATERIALIZE INDEX</c> (rebuilds the same index) — or nothing that is not rebuilt: <c>TRUNCATE TABLE IF EXISTS</c>, which scripts use only on tables a
    /// job refills (the rollup's run log, whose loss makes the next run settle all history again).
    /// </summary>
    public static bool IsRerunnable(string statement) => Rerunnable().IsMatch(statement);

    private static List<MigrationScript> LoadEmbedded()
    {
        var assembly = typeof(MigrationScript).Assembly;
        var scripts = new List<MigrationScript>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("Migrations.", StringComparison.Ordinal)))
        {
            var fileName = resource["Migrations.".Length..];
            var match = FileName().Match(fileName);
            if (!match.Success)
            {
                throw new InvalidOperationException($"Migration file '{fileName}' must be named NNNN_description.sql.");
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            scripts.Add(new MigrationScript(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), match.Groups[2].Value, reader.ReadToEnd()));
        }

        scripts.Sort((a, b) => a.Version.CompareTo(b.Version));
        var duplicate = scripts.GroupBy(s => s.Version).FirstOrDefault(g => g.Count() > 1);
        return duplicate is null
            ? scripts
            : throw new InvalidOperationException($"Two migration files share version {duplicate.Key}.");
    }

    [GeneratedRegex(@"^(\d{4})_([a-z0-9_]+)\.sql$")]
    private static partial Regex FileName();

    [GeneratedRegex(@"^\s*(CREATE\s+(TABLE|MATERIALIZED\s+VIEW|VIEW|DICTIONARY|DATABASE)\s+IF\s+NOT\s+EXISTS\b|CREATE\s+OR\s+REPLACE\s+VIEW\b|DROP\s+(TABLE|VIEW|DICTIONARY)\s+IF\s+EXISTS\b|ALTER\s+TABLE\s+\S+(\s+ON\s+CLUSTER\s+\S+)?\s+(ADD\s+(COLUMN|INDEX|PROJECTION)\s+IF\s+NOT\s+EXISTS|(DROP|MODIFY|COMMENT)\s+(COLUMN|INDEX|PROJECTION)\s+IF\s+EXISTS|RENAME\s+COLUMN\s+IF\s+EXISTS|MATERIALIZE\s+INDEX)\b|TRUNCATE\s+TABLE\s+IF\s+EXISTS\b)", RegexOptions.IgnoreCase)]
    private static partial Regex Rerunnable();
}
