namespace ServiceAnalytics.Storage.Rollups;

/// <summary>
/// A run that computed some shops gave way to another instance's run that finished while it ran: swapping in, it
/// would have put back the rows it copied of the other shops, undoing that run.
/// </summary>
public sealed class RollupSupersededException()
    : InvalidOperationException("Superseded: another run finished while this one ran; its shops are computed again by the next.");
