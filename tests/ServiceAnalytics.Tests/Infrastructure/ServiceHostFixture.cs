using Grpc.Health.V1;
using ServiceAnalytics.Tests.Hosting;

namespace ServiceAnalytics.Tests.Infrastructure;

/// <summary>Class fixture: one running service (with its own database), ready to serve.</summary>
public sealed class ServiceHostFixture : IAsyncLifetime
{
    private ServiceHost? _host;

    public ServiceHost Host => _host ?? throw new InvalidOperationException("The service has not started.");

    public async ValueTask InitializeAsync()
    {
        _host = await ServiceHost.StartAsync();
        var status = await ServiceHostTests.WaitForStatusAsync(new Health.HealthClient(_host.Channel), HealthCheckResponse.Types.ServingStatus.Serving, TimeSpan.FromSeconds(60));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, status);
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
