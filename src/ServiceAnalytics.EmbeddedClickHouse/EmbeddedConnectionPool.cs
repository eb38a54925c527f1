using System.Collections.Concurrent;

namespace ServiceAnalytics.EmbeddedClickHouse;

/// <summary>
/// A bounded set of connections to the process's <see cref="EmbeddedEngine"/>, all opened with the same
/// connection settings (<c>--name=value</c> arguments of <c>chdb_connect</c>, such as <c>--readonly=2</c>). Each
/// connection runs one statement at a time; at most <see cref="MaxConnections"/> statements of the pool run at
/// once and further callers wait for a free connection. Separate pools share the engine but not their bounds, so a
/// busy pool (the BI endpoint's) cannot take the connections of another (the service's). Within a pool,
/// <see cref="ReservedConnections"/> are kept for callers that may use them (the service's rollup runs): the others
/// hold at most the rest, and wait for those before they wait for a connection.
/// </summary>
public sealed class EmbeddedConnectionPool
{
    private readonly ConcurrentBag<EmbeddedConnection> _idle = [];
    private readonly SemaphoreSlim _slots;
    private readonly SemaphoreSlim _unreserved;
    private readonly KeyValuePair<string, string>[] _connectionSettings;
    private volatile bool _stopped;

    internal EmbeddedConnectionPool(EmbeddedEngine engine, int maxConnections, IReadOnlyDictionary<string, string> connectionSettings, int reservedConnections = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConnections, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(reservedConnections);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(reservedConnections, maxConnections);
        Engine = engine;
        MaxConnections = maxConnections;
        _connectionSettings = [.. connectionSettings];
        foreach (var (name, value) in _connectionSettings)
        {
            EmbeddedConnection.CheckArgumentSetting(name, value);
        }

        _slots = new SemaphoreSlim(maxConnections, maxConnections);
        ReservedConnections = reservedConnections;
        _unreserved = new SemaphoreSlim(maxConnections - reservedConnections, maxConnections - reservedConnections);
    }

    /// <summary>The engine the connections belong to.</summary>
    public EmbeddedEngine Engine { get; }

    /// <summary>Connections in the pool: statements of this pool that run at once.</summary>
    public int MaxConnections { get; }

    /// <summary>Connections only callers that may use the reserve rent when the others hold the rest.</summary>
    public int ReservedConnections { get; }

    /// <summary>Statements of this pool running now (connections rented).</summary>
    public int InUse => MaxConnections - _slots.CurrentCount;

    /// <summary>
    /// A connection, once one is free; a caller that may not use the reserve (<paramref name="mayUseReserve"/> false)
    /// first waits until the others like it hold fewer than <see cref="MaxConnections"/> − <see cref="ReservedConnections"/>.
    /// Return it with the same <paramref name="mayUseReserve"/>.
    /// </summary>
    internal async ValueTask<EmbeddedConnection> RentAsync(bool mayUseReserve, CancellationToken cancellationToken)
    {
        if (!mayUseReserve)
        {
            await _unreserved.WaitAsync(cancellationToken);
        }

        try
        {
            return await RentSlotAsync(cancellationToken);
        }
        catch
        {
            if (!mayUseReserve)
            {
                _unreserved.Release();
            }

            throw;
        }
    }

    private async ValueTask<EmbeddedConnection> RentSlotAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        if (_stopped)
        {
            _slots.Release();
            throw new ObjectDisposedException(nameof(EmbeddedConnectionPool), "This pool of embedded connections is closed: its owner closed it, or the process is exiting.");
        }

        if (_idle.TryTake(out var connection))
        {
            return connection;
        }

        try
        {
            return EmbeddedConnection.Open(Engine.DataPath, _connectionSettings);
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    internal void Return(EmbeddedConnection connection, bool mayUseReserve)
    {
        _idle.Add(connection);
        _slots.Release();
        if (!mayUseReserve)
        {
            _unreserved.Release();
        }

        if (_stopped)
        {
            CloseIdle();
        }
    }

    /// <summary>
    /// Closes the pool before the engine stops: its idle connections now, a rented one when its statement returns it,
    /// and later rents fail. A pool that is done with (a test's BI endpoint) should close: a CI run once hung on a
    /// <c>DROP DATABASE … SYNC</c> of a database whose views a BI pool, never closed, had read.
    /// </summary>
    public void Close()
    {
        Engine.Forget(this);
        Stop();
    }

    /// <summary>Closes the idle connections; a rented one stays open until process exit (see <see cref="EmbeddedEngine"/>).</summary>
    internal void Stop()
    {
        _stopped = true;
        CloseIdle();
    }

    private void CloseIdle()
    {
        while (_idle.TryTake(out var connection))
        {
            connection.Close();
        }
    }
}
