using System.Diagnostics;

namespace ServiceAnalytics.Tests.Hosting;

/// <summary>
/// The embedded engine keeps its data on disk: what one service process wrote, the next process over the same
/// folder reads. Runs the real service binary twice (one engine per process, so it must be separate processes).
/// </summary>
public sealed class RestartTests
{
    [Fact]
    public async Task Data_written_by_one_service_process_is_there_for_the_next()
    {
        var dataPath = Path.Combine(TestEnvironment.RunFolder, $"restart-{Guid.NewGuid():N}");

        var first = await RunMigrateAsync(dataPath);
        var second = await RunMigrateAsync(dataPath);

        var applied = first.Where(l => l.StartsWith("applied\t", StringComparison.Ordinal)).Select(l => l["applied\t".Length..]).ToList();
        Assert.NotEmpty(applied);
        Assert.DoesNotContain(first, l => l.StartsWith("already-applied", StringComparison.Ordinal));
        // The second process applies nothing and finds each migration with the first process's timestamp.
        Assert.Equal(applied, second.Where(l => l.StartsWith("already-applied\t", StringComparison.Ordinal)).Select(l => l["already-applied\t".Length..]));
        Assert.DoesNotContain(second, l => l.StartsWith("applied\t", StringComparison.Ordinal));
    }

    private static async Task<List<string>> RunMigrateAsync(string dataPath)
    {
        Assert.True(File.Exists(RepositoryLayout.ServerAssembly), $"Build the solution first: {RepositoryLayout.ServerAssembly} is missing.");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { RepositoryLayout.ServerAssembly, "migrate", $"--ClickHouse:Embedded:DataPath={dataPath}", "--Logging:LogLevel:Default=Warning" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"migrate exited with {process.ExitCode}: {await errors}");
        return [.. (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }
}
