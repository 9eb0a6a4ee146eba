using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace HydraMigration.Tests.Harness;

/// <summary>
/// Two throwaway clusters for the whole test run: Source and Target, playing the old and the
/// new server. They are stopped and deleted at the end, and a run that died earlier (so never
/// cleaned up) is cleaned up by the next one.
/// </summary>
public sealed class PostgresFixture : IDisposable
{
    private const string RootFolder = "/tmp/hydra-tests";
    private readonly Lazy<string> _sample;
    private readonly Lazy<string> _big;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<object>> _shared = new(StringComparer.Ordinal);
    private int _databaseCounter;

    public PostgresFixture()
    {
        CleanUpDeadRuns();
        RunFolder = Path.Combine(RootFolder, "run-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(RunFolder);
        UsesColumnarStandIn = ColumnarStandIn.EnsureAvailable();

        var source = Task.Run(() => PostgresCluster.Start("source", RunFolder));
        var target = Task.Run(() => PostgresCluster.Start("target", RunFolder));
        Source = source.GetAwaiter().GetResult();
        Target = target.GetAwaiter().GetResult();
        SampleDatabase.EnsureRoles(Target); // restores and -Owner need the source's roles
        _sample = new Lazy<string>(() => SampleDatabase.Create(this));
        _big = new Lazy<string>(() =>
        {
            var name = NewDatabaseName("big");
            Source.Execute("postgres", $"CREATE DATABASE {name}");
            Source.Execute(name, @"CREATE TABLE payload (id int, a text, b text); INSERT INTO payload SELECT g, md5(g::text) || md5((g * 7)::text), md5((g * 13)::text) FROM generate_series(1, 2000000) g;
                CREATE TABLE payload_b AS SELECT * FROM payload WHERE id <= 600000;
                CREATE TABLE payload_c AS SELECT * FROM payload WHERE id <= 600000;");
            return name;
        });
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Dispose();
    }

    public string RunFolder { get; }

    /// <summary>One <see cref="SampleDatabase"/> on Source, shared by tests that only read it.</summary>
    public string Sample => _sample.Value;

    /// <summary>A database on Source big enough (~400 MB in three tables) that dumping it takes seconds: for Ctrl+C and watching a running dump.</summary>
    public string Big => _big.Value;

    public PostgresCluster Source { get; }

    public PostgresCluster Target { get; }

    /// <summary>True when Hydra is not installed and the columnar stand-in is used.</summary>
    public bool UsesColumnarStandIn { get; }

    /// <summary>A new, empty database name, unique in this run; <paramref name="stem"/> may hold any characters.</summary>
    public string NewDatabaseName(string stem = "db") => stem + "_" + Interlocked.Increment(ref _databaseCounter);

    /// <summary>
    /// Something expensive that several tests of a class share (a restored database), made once
    /// per run on first use: test classes get a new instance per test, the fixture lives on.
    /// </summary>
    public T Shared<T>(string key, Func<T> create)
        where T : class => (T)_shared.GetOrAdd(key, _ => new Lazy<object>(() => create())).Value;

    /// <summary>A scratch folder for one test's files.</summary>
    public string NewFolder(string name)
    {
        var folder = Path.Combine(RunFolder, "files", name + "-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(folder);
        return folder;
    }

    public void Dispose()
    {
        Source?.Dispose();
        Target?.Dispose();
        try
        {
            Directory.Delete(RunFolder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void CleanUpDeadRuns()
    {
        if (!Directory.Exists(RootFolder))
        {
            return;
        }

        foreach (var run in Directory.GetDirectories(RootFolder, "run-*"))
        {
            var pidText = Path.GetFileName(run).Split('-')[1];
            if (int.TryParse(pidText, out var pid) && DeadRuns.IsAlive(pid))
            {
                continue;
            }

            foreach (var data in Directory.GetDirectories(run).Select(d => Path.Combine(d, "data")).Where(Directory.Exists))
            {
                PostgresCluster.Stop(data);
            }

            try
            {
                Directory.Delete(run, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>, ICollectionFixture<SshFixture>
{
    public const string Name = "PostgreSQL clusters";
}
