using System.Diagnostics;
using System.Diagnostics.Metrics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using ServiceAnalytics.Storage.Telemetry;

namespace ServiceAnalytics.Server.Services;

/// <summary>
/// <c>service_analytics.query.duration</c> (docs/instruments.md): each query RPC's duration by RPC, status and the
/// source that served it — the costliest the outcome planner decided on for its reads (<see cref="AnswerSources"/>).
/// An interceptor of <see cref="AnalyticsGrpcService"/> only, inside authorization: refused calls are counted by
/// <see cref="Security.SecurityInstruments"/>, not timed here.
/// </summary>
internal sealed class QueryInstruments : Interceptor
{
    /// <summary>Attribute: what served the answer (<c>snapshot</c>, <c>settled</c>, <c>computed</c>, <c>none</c>).</summary>
    public const string SourceAttribute = "service_analytics.answer.source";

    private readonly Histogram<double> _duration;

    public QueryInstruments(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _duration = meters.Create(TelemetryNames.Meter).CreateRequestDuration(
            "service_analytics.query.duration", "Query RPCs from authorization passed to the answer sent (ExportChats: to the last chunk), by RPC and the source that served it.");
    }

    /// <summary>The attribute value of a source.</summary>
    public static string SourceName(AnswerSource source) => source switch
    {
        AnswerSource.Snapshot => "snapshot",
        AnswerSource.Settled => "settled",
        AnswerSource.Computed => "computed",
        _ => "none",
    };

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        ArgumentNullException.ThrowIfNull(context);
        var started = Stopwatch.GetTimestamp();
        var sources = AnswerSources.Begin();
        try
        {
            var response = await continuation(request, context);
            Record(context, started, sources, error: null);
            return response;
        }
        catch (Exception error)
        {
            Record(context, started, sources, error);
            throw;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        ArgumentNullException.ThrowIfNull(context);
        var started = Stopwatch.GetTimestamp();
        var sources = AnswerSources.Begin();
        try
        {
            await continuation(request, responseStream, context);
            Record(context, started, sources, error: null);
        }
        catch (Exception error)
        {
            Record(context, started, sources, error);
            throw;
        }
    }

    private void Record(ServerCallContext context, long started, AnswerSources sources, Exception? error)
    {
        if (Activity.Current is { IsAllDataRequested: true } span)
        {
            // The call's server span carries the answer source too.
            span.SetTag(SourceAttribute, SourceName(sources.Source));
        }

        if (!_duration.Enabled)
        {
            return;
        }

        var tags = new TagList
        {
            { "rpc.system", "grpc" },
            { "rpc.method", MethodName(context.Method) },
            { SourceAttribute, SourceName(sources.Source) },
        };
        switch (error)
        {
            case null:
                tags.Add("rpc.grpc.status_code", (int)StatusCode.OK);
                break;
            case RpcException rpc:
                tags.Add("rpc.grpc.status_code", (int)rpc.StatusCode);
                break;
            default:
                // Mapped to a status by StoreErrorInterceptor, outside this one: the exception's type says what happened.
                tags.Add("error.type", error.GetType().FullName);
                break;
        }

        _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
    }

    /// <summary>
    /// The method's name without its service (<c>/pkg.Service/GetOverview</c> → <c>GetOverview</c>): one service is
    /// timed here, and admitted by <see cref="QueryAdmission"/>.
    /// </summary>
    internal static string MethodName(string method) => method[(method.LastIndexOf('/') + 1)..];
}
