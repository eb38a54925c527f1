using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace ServiceAnalytics.Tests.Telemetry;

/// <summary>
/// The JSON console format for collectors (<c>Logging:Console:FormatterName=json</c>, ASP.NET Core's own): one JSON
/// object per line, and a line written during a call carries the call's trace id — the one its caller sent in
/// <c>traceparent</c>. Runs the real service binary, whose console this is.
/// </summary>
public sealed partial class JsonConsoleLogTests
{
    [Fact]
    public async Task Json_console_lines_written_during_a_call_carry_its_trace_id()
    {
        Assert.True(File.Exists(RepositoryLayout.ServerAssembly), $"Build the solution first: {RepositoryLayout.ServerAssembly} is missing.");
        var lines = new ConcurrentQueue<string>();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                RepositoryLayout.ServerAssembly,
                $"--ClickHouse:Embedded:DataPath={Path.Combine(TestEnvironment.RunFolder, $"json-logs-{Guid.NewGuid():N}")}",
                "--Kestrel:Endpoints:Grpc:Url=http://127.0.0.1:0", "--Kestrel:Endpoints:Web:Url=http://127.0.0.1:0", "--SqlEndpoint:Url=http://127.0.0.1:0",
                $"--Security:DevelopmentKeyPath={Path.Combine(TestEnvironment.RunFolder, $"json-logs-key-{Guid.NewGuid():N}")}",
                "--Rollups:Enabled=false",
                "--Logging:Console:FormatterName=json",
                "--Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics=Information",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var web = await WaitForAsync(lines, () => lines.Select(l => WebAddress().Match(l)).FirstOrDefault(m => m.Success)?.Groups["web"].Value, process);
            var traceId = ActivityTraceId.CreateRandom().ToHexString();
            using var http = new HttpClient { BaseAddress = new Uri(web) };
            using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
            request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
            await http.SendAsync(request);

            var line = await WaitForAsync(lines, () => lines.FirstOrDefault(l => l.Contains(traceId, StringComparison.Ordinal)), process);
            using var json = JsonDocument.Parse(line);
            Assert.Equal("Microsoft.AspNetCore.Hosting.Diagnostics", json.RootElement.GetProperty("Category").GetString());
            Assert.Contains(json.RootElement.GetProperty("Scopes").EnumerateArray(), scope =>
                scope.TryGetProperty("TraceId", out var id) && id.GetString() == traceId && scope.TryGetProperty("SpanId", out _));
            // Every line of the service's console is JSON.
            Assert.All(lines, l => JsonDocument.Parse(l).Dispose());
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static async Task<string> WaitForAsync(ConcurrentQueue<string> lines, Func<string?> find, Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (find() is { } found)
            {
                return found;
            }

            Assert.False(process.HasExited, $"The service exited: {string.Join('\n', lines)}");
            Assert.True(DateTime.UtcNow < deadline, $"Not logged within 60 s: {string.Join('\n', lines)}");
            await Task.Delay(50);
        }
    }

    // The start-up line names the web door: "...; HTTP/JSON, gRPC-Web and OpenAPI (/openapi/v1.json) on http://127.0.0.1:port; ..."
    [GeneratedRegex(@"OpenAPI \(/openapi/v1\.json\) on (?<web>http://127\.0\.0\.1:\d+)")]
    private static partial Regex WebAddress();
}
