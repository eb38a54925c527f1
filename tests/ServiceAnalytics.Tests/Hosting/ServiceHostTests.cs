using System.Diagnostics;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;

namespace ServiceAnalytics.Tests.Hosting;

public sealed class ServiceHostTests
{
    [Fact]
    public async Task Health_turns_serving_once_the_schema_is_migrated_and_reflection_lists_the_services()
    {
        await using var host = await ServiceHost.StartAsync();
        var health = new Health.HealthClient(host.Channel);

        var status = await WaitForStatusAsync(health, HealthCheckResponse.Types.ServingStatus.Serving, TimeSpan.FromSeconds(60));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, status);

        var reflection = new ServerReflection.ServerReflectionClient(host.Channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("grpc.health.v1.Health", services);
        Assert.Contains("grpc.reflection.v1alpha.ServerReflection", services);
    }

    [Fact]
    public async Task Health_reports_not_serving_while_the_store_is_unreachable()
    {
        // Port 9 (discard) on loopback refuses connections: a ClickHouse server that is down.
        await using var host = await ServiceHost.StartAsync(new Dictionary<string, string?> { ["ClickHouse:ServerUrl"] = "http://127.0.0.1:9" });
        var health = new Health.HealthClient(host.Channel);

        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(3))
        {
            var response = await health.CheckAsync(new HealthCheckRequest());
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, response.Status);
            await Task.Delay(250);
        }
    }

    [Fact]
    public void The_shipped_configuration_listens_on_loopback_only_with_plaintext_http2()
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryLayout.Root, "src", "ServiceAnalytics.Server", "appsettings.json")));
        var endpoint = settings.RootElement.GetProperty("Kestrel").GetProperty("Endpoints").GetProperty("Grpc");
        var url = new Uri(endpoint.GetProperty("Url").GetString()!);

        Assert.Equal("http", url.Scheme);
        Assert.Equal("127.0.0.1", url.Host);
        Assert.Equal(5310, url.Port);
        Assert.Equal("Http2", endpoint.GetProperty("Protocols").GetString());
    }

    internal static async Task<HealthCheckResponse.Types.ServingStatus> WaitForStatusAsync(
        Health.HealthClient health, HealthCheckResponse.Types.ServingStatus wanted, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        var status = HealthCheckResponse.Types.ServingStatus.Unknown;
        while (stopwatch.Elapsed < timeout)
        {
            try
            {
                status = (await health.CheckAsync(new HealthCheckRequest())).Status;
            }
            catch (RpcException error) when (error.StatusCode == StatusCode.Unavailable)
            {
                status = HealthCheckResponse.Types.ServingStatus.Unknown;
            }

            if (status == wanted)
            {
                break;
            }

            await Task.Delay(100);
        }

        return status;
    }
}
