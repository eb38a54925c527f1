using System.Reflection;
using System.Runtime.InteropServices;

namespace ServiceAnalytics.EmbeddedClickHouse;

/// <summary>
/// Finds <c>libchdb.so</c> and hands it to the runtime when <see cref="ChdbNative"/> is first called.
/// Order: the configured <see cref="EmbeddedEngineOptions.LibraryPath"/>, then the per-machine cache the build
/// fills (<c>$SERVICE_ANALYTICS_CACHE</c>, else <c>$XDG_CACHE_HOME/service-analytics</c>, else
/// <c>~/.cache/service-analytics</c>, then <c>chdb/&lt;pinned version&gt;/libchdb.so</c>).
/// </summary>
public static class ChdbLibraryResolver
{
    private static readonly Lock s_gate = new();
    private static nint s_handle;
    private static string? s_loadedPath;

    /// <summary>The npm package version pinned by the build (see <c>EmbeddedEngine.targets</c>).</summary>
    public static string PinnedVersion { get; } = ReadMetadata("ChdbPackageVersion");

    /// <summary>The npm package the build fetches the library from.</summary>
    public static string PackageName { get; } = ReadMetadata("ChdbPackageName");

    /// <summary>Where the build caches the library on this machine.</summary>
    public static string DefaultLibraryPath
    {
        get
        {
            var root = Environment.GetEnvironmentVariable("SERVICE_ANALYTICS_CACHE");
            if (string.IsNullOrEmpty(root))
            {
                var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
                root = string.IsNullOrEmpty(xdg)
                    ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "service-analytics")
                    : Path.Combine(xdg, "service-analytics");
            }

            return Path.Combine(root, "chdb", PinnedVersion, "libchdb.so");
        }
    }

    /// <summary>
    /// Loads the library once per process. A second call with a different explicit path fails, since one process
    /// can hold only one engine.
    /// </summary>
    public static void Load(string? configuredPath)
    {
        lock (s_gate)
        {
            var path = Path.GetFullPath(string.IsNullOrWhiteSpace(configuredPath) ? DefaultLibraryPath : configuredPath);
            if (s_handle != 0)
            {
                if (!string.IsNullOrWhiteSpace(configuredPath) && path != s_loadedPath)
                {
                    throw new InvalidOperationException(
                        $"The embedded engine library is already loaded from '{s_loadedPath}'; a process can load only one (asked for '{path}').");
                }

                return;
            }

            if (!File.Exists(path))
            {
                throw new EmbeddedEngineUnavailableException(
                    $"The embedded ClickHouse engine library was not found at '{path}'. The build fetches it on first " +
                    $"build (npm package {PackageName}@{PinnedVersion}): run `dotnet build` with npm on PATH and the npm " +
                    "registry reachable, or set ClickHouse:Embedded:LibraryPath (environment variable " +
                    "ClickHouse__Embedded__LibraryPath) to an existing libchdb.so, or set ClickHouse:ServerUrl to use a ClickHouse server.");
            }

            s_handle = NativeLibrary.Load(path);
            s_loadedPath = path;
            NativeLibrary.SetDllImportResolver(typeof(ChdbNative).Assembly, Resolve);
        }
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == ChdbNative.LibraryName ? s_handle : 0;

    private static string ReadMetadata(string key) =>
        typeof(ChdbLibraryResolver).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"Assembly metadata '{key}' is missing; it is set by EmbeddedEngine.targets.");
}

/// <summary>The embedded engine cannot be started here; the message says what to do about it.</summary>
public sealed class EmbeddedEngineUnavailableException(string message) : Exception(message);
