namespace ServiceAnalytics.Server.Commands;

/// <summary>
/// A command's job cannot be done (a file that cannot be read or written, a service that refuses the key…): the
/// message is the reason printed to the operator, and the command exits with <see cref="ServiceCommandLine.ExitFailed"/>.
/// </summary>
public sealed class CommandFailedException(string message, Exception? inner = null) : Exception(message, inner);
