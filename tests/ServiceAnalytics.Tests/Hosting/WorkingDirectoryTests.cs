using System.Diagnostics;
using System.Text.RegularExpressions;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace ServiceAnalytics.Tests.Hosting;

/// <summary>
/// The service binary started from a directory that is not its own, as a process manager or an operator might:
/// it still finds its settings (plaintext HTTP/2 on loopback), says in its log where it really listens and where its
/// data is, and serves gRPC.
/// </summary>
public sealed partial class WorkingDirectoryTests
{
    [Fact]
    public async Task Started_from_another_directory_the_service_serves_grpc_and_logs_its_real_address_and_data_folder()
    {
        Assert.True(File.Exists(RepositoryLayout.ServerAssembly), $"Build the solution first: {RepositoryLayout.ServerAssembly} is missing.");
        var elsewhere = Directory.CreateDirectory(Path.Combine(TestEnvironment.RunFolder, $"elsewhere-{Guid.NewGuid():N}")).FullName;
        var log = new StringBuilder();
        using var process = StartFrom(elsewhere, log);
        try
        {
            var (address, listening) = await WaitForTheLoggedAddressesAsync(process, log);

            // The addresses logged are the ones bound, not the configured defaults: gRPC's and the web door's.
            var port = int.Parse(listening.Groups["grpc"].Value, System.Globalization.CultureInfo.InvariantCulture);
            var webPort = int.Parse(listening.Groups["web"].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.DoesNotContain(5310, new[] { port, webPort });
            Assert.DoesNotContain(5311, new[] { port, webPort });
            Assert.Equal(webPort.ToString(System.Globalization.CultureInfo.InvariantCulture), address.Groups["port"].Value);
            Assert.Contains($"Now listening on: http://127.0.0.1:{port}", Read(log), StringComparison.Ordinal);
            Assert.Contains(Path.Combine(elsewhere, "data", "dev-api-key"), address.Value, StringComparison.Ordinal);

            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
            var status = await ServiceHostTests.WaitForStatusAsync(
                new Health.HealthClient(channel), HealthCheckResponse.Types.ServingStatus.Serving, TimeSpan.FromSeconds(60));
            Assert.True(status == HealthCheckResponse.Types.ServingStatus.Serving, $"health is {status}:\n{Read(log)}");

            // The web door answers HTTP/1.1 JSON with the development key, as the log line says to call it.
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{webPort}") };
            http.DefaultRequestHeaders.Add("x-api-key", (await File.ReadAllTextAsync(address.Groups["path"].Value)).Trim());
            using var rollups = await http.GetAsync(new Uri("/v1/rollups/status", UriKind.Relative));
            Assert.True(rollups.IsSuccessStatusCode, $"{rollups.StatusCode}: {await rollups.Content.ReadAsStringAsync()}");
            Assert.Equal(new Version(1, 1), rollups.Version);

            // Relative data paths resolve against the working directory, and the log says where that is.
            Assert.Contains($"over {Path.Combine(elsewhere, "data", "clickhouse")}", Read(log), StringComparison.Ordinal);
            Assert.True(Directory.Exists(Path.Combine(elsewhere, "data", "clickhouse")));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Starts the service binary in <paramref name="elsewhere"/>, on ports the system picks; its output goes to <paramref name="log"/>.</summary>
    private static Process StartFrom(string elsewhere, StringBuilder log)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            // Port 0: the real port is known only from the log. No caller configured: the development key's line
            // is the one that tells a developer where to connect.
            ArgumentList =
            {
                RepositoryLayout.ServerAssembly, "--Kestrel:Endpoints:Grpc:Url=http://127.0.0.1:0", "--Kestrel:Endpoints:Web:Url=http://127.0.0.1:0",
                "--SqlEndpoint:Url=http://127.0.0.1:0",
                "--Rollups:Enabled=false",
            },
            WorkingDirectory = elsewhere,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, line) => Append(log, line.Data);
        process.ErrorDataReceived += (_, line) => Append(log, line.Data);
        Assert.True(process.Start());
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Waits (60 s at most) for the log lines of the development key's address and of the ports listened on.</summary>
    private static async Task<(Match Address, Match Listening)> WaitForTheLoggedAddressesAsync(Process process, StringBuilder log)
    {
        var deadline = Stopwatch.StartNew();
        Match address;
        Match listening = Match.Empty;
        while (!(address = DevelopmentKeyLine().Match(Read(log))).Success || !(listening = ListeningLine().Match(Read(log))).Success)
        {
            Assert.False(process.HasExited, $"The service exited with {(process.HasExited ? process.ExitCode : 0)}:\n{Read(log)}");
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"No development key line with an address within 60 s:\n{Read(log)}");
            await Task.Delay(100);
        }

        return (address, listening);
    }

    private static void Append(StringBuilder log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.AppendLine(line);
        }
    }

    private static string Read(StringBuilder log)
    {
        lock (log)
        {
            return log.ToString();
        }
    }

    [GeneratedRegex(@"development key with every scope is in (?<path>\S+) .*curl -H ""x-api-key: \$\(cat \S+\)"" http://127\.0\.0\.1:(?<port>\d+)/v1/rollups/status", RegexOptions.Singleline)]
    private static partial Regex DevelopmentKeyLine();

    [GeneratedRegex(@"gRPC \(HTTP/2\) on http://127\.0\.0\.1:(?<grpc>\d+); HTTP/JSON, gRPC-Web and OpenAPI \(/openapi/v1\.json\) on http://127\.0\.0\.1:(?<web>\d+);")]
    private static partial Regex ListeningLine();
}
