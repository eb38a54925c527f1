using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using OpenTelemetry.Trace;

namespace ServiceAnalytics.Tests.Telemetry;

/// <summary>The spans a service host exports, through OpenTelemetry's in-memory exporter on its own tracer provider.</summary>
internal sealed class SpanCapture
{
    private readonly ConcurrentQueue<Activity> _spans = new();

    public IReadOnlyList<Activity> All => [.. _spans];

    /// <summary>The <see cref="ServiceHost"/> hook: adds the exporter to the tracer provider the service builds.</summary>
    public void AddTo(WebApplicationBuilder builder) =>
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(new QueueCollection(_spans)));

    /// <summary>The first span that <paramref name="match"/>es, waiting for it to end (a server span ends after its answer is sent).</summary>
    public async Task<Activity> WaitForAsync(Func<Activity, bool> match)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            if (_spans.FirstOrDefault(match) is { } span)
            {
                return span;
            }

            Assert.True(DateTime.UtcNow < deadline, $"No such span within 10 s; spans: {string.Join(", ", _spans.Select(s => s.DisplayName))}");
            await Task.Delay(20);
        }
    }

    /// <summary>The collection the exporter adds to: a queue, as spans end on many threads.</summary>
    private sealed class QueueCollection(ConcurrentQueue<Activity> queue) : ICollection<Activity>
    {
        public int Count => queue.Count;

        public bool IsReadOnly => false;

        public void Add(Activity item) => queue.Enqueue(item);

        public void Clear() => queue.Clear();

        public bool Contains(Activity item) => queue.Contains(item);

        public void CopyTo(Activity[] array, int arrayIndex) => queue.CopyTo(array, arrayIndex);

        public bool Remove(Activity item) => throw new NotSupportedException();

        public IEnumerator<Activity> GetEnumerator() => queue.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
