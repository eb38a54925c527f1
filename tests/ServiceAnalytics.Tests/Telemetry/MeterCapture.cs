using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ServiceAnalytics.Storage.Telemetry;

namespace ServiceAnalytics.Tests.Telemetry;

/// <summary>
/// Listens to the service's instruments (meter <see cref="TelemetryNames.Meter"/>) of one host only: those its
/// <see cref="IMeterFactory"/> created, so hosts running side by side in the test process do not mix their figures.
/// </summary>
internal sealed class MeterCapture : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Recorded> _recorded = new();

    public MeterCapture(ServiceHost host)
    {
        var factory = host.App.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == TelemetryNames.Meter && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>One measurement: its instrument's name and unit, its value and attributes.</summary>
    public sealed record Recorded(string Instrument, string? Unit, double Value, IReadOnlyDictionary<string, object?> Tags)
    {
        public string? Tag(string name) => Tags.TryGetValue(name, out var value) ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>The measurements of <paramref name="instrument"/> so far.</summary>
    public IReadOnlyList<Recorded> Of(string instrument) => [.. _recorded.Where(r => r.Instrument == instrument)];

    /// <summary>The sum of a counter's measurements whose attributes include every one of <paramref name="tags"/>.</summary>
    public double Sum(string instrument, params (string Name, string Value)[] tags) =>
        Of(instrument).Where(r => tags.All(t => r.Tag(t.Name) == t.Value)).Sum(r => r.Value);

    /// <summary>Observes the observable instruments now; their measurements are added to the others.</summary>
    public IReadOnlyList<Recorded> Observe(string instrument)
    {
        var before = _recorded.Count;
        _listener.RecordObservableInstruments();
        return [.. _recorded.Skip(before).Where(r => r.Instrument == instrument)];
    }

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        _recorded.Enqueue(new Recorded(instrument.Name, instrument.Unit, value, copy));
    }
}
