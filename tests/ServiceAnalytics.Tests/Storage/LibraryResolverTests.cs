using ServiceAnalytics.EmbeddedClickHouse;

namespace ServiceAnalytics.Tests.Storage;

public sealed class LibraryResolverTests
{
    [Fact]
    public void The_default_library_lives_in_the_machine_cache_under_the_pinned_version_not_in_bin()
    {
        Assert.Equal("26.7.3-stable.1", ChdbLibraryResolver.PinnedVersion);
        Assert.Equal("@chdb/lib-linux-x64-gnu", ChdbLibraryResolver.PackageName);
        Assert.EndsWith(Path.Combine("chdb", "26.7.3-stable.1", "libchdb.so"), ChdbLibraryResolver.DefaultLibraryPath, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(AppContext.BaseDirectory, "libchdb.so")), "the engine library must not be copied into bin/");
    }

    [Fact]
    public void The_loaded_engine_is_the_pinned_release()
    {
        TestEnvironment.EnsureEmbeddedEngine();
        Assert.Equal("26.7.3", EmbeddedEngine.LibraryVersion);
    }
}
