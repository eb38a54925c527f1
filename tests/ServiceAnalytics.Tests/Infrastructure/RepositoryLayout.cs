namespace ServiceAnalytics.Tests.Infrastructure;

/// <summary>Paths inside the repository, found from the test binaries.</summary>
public static class RepositoryLayout
{
    public static string Root { get; } = FindRoot();

#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    /// <summary>The service's entry assembly as built next to this test run.</summary>
    public static string ServerAssembly => Path.Combine(Root, "src", "ServiceAnalytics.Server", "bin", Configuration, "net10.0", "ServiceAnalytics.Server.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ServiceAnalytics.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"ServiceAnalytics.sln not found above {AppContext.BaseDirectory}.");
    }
}
