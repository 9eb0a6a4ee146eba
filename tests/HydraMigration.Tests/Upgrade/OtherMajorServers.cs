using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Upgrade;

/// <summary>
/// Throwaway servers of other PostgreSQL majors (from <see cref="EmbeddedPostgres"/>) for one test
/// class: each started on first use, once, with the columnar stand-in in its extension folder
/// (unless a real columnar is there) and the sample roles; stopped and deleted when the class is
/// done. They live in the run's folder, so a dead run's are stopped and deleted by the next run
/// (<see cref="PostgresFixture"/> cleans up dead runs).
/// </summary>
public sealed class OtherMajorServers : IDisposable
{
    private readonly ConcurrentDictionary<int, Lazy<PostgresCluster>> _clusters = new();

    /// <summary>The running server of <paramref name="major"/>, started in <paramref name="pg"/>'s run folder on first use.</summary>
    public PostgresCluster Of(int major, PostgresFixture pg) =>
        _clusters.GetOrAdd(major, m => new Lazy<PostgresCluster>(() => Start(m, pg), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    public void Dispose()
    {
        foreach (var cluster in _clusters.Values.Where(c => c.IsValueCreated))
        {
            cluster.Value.Dispose();
        }
    }

    private static PostgresCluster Start(int major, PostgresFixture pg)
    {
        var bin = EmbeddedPostgres.BinFolder(major);
        ColumnarStandIn.EnsureAvailable(EmbeddedPostgres.ExtensionFolder(bin));
        var cluster = PostgresCluster.Start("pg" + major, pg.RunFolder, bin);
        SampleDatabase.EnsureRoles(cluster);
        return cluster;
    }
}
