using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using HydraMigration.Tests.Dump;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Host;

/// <summary>
/// Fleets as users run them, through PowerShell's own engines in a real pwsh: eight migrations of
/// eight different databases at once, in ForEach-Object -Parallel runspaces and in thread jobs,
/// and with an SSH session per runspace. Each source database has content of its own (row counts,
/// a tag naming it, columnar options), so any cross-talk between runspaces — a manifest, target,
/// temporary folder or session of another runspace — shows as a wrong number or a wrong name.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FleetTests
{
    private const int Size = 8;
    private const string Marker = "HYDRA-FLEET ";
    private static readonly string[] Compressions = { "lz4", "zstd", "none" };

    private readonly PostgresFixture _pg;
    private readonly SshFixture _ssh;

    public FleetTests(PostgresFixture pg, SshFixture ssh)
    {
        _pg = pg;
        _ssh = ssh;
    }

    /// <summary>The fleet's source databases, made once per run (in parallel) and only read by the tests.</summary>
    private IReadOnlyList<FleetDatabase> Fleet => _pg.Shared("fleet", () =>
    {
        var fleet = Enumerable.Range(0, Size).Select(i => new FleetDatabase(_pg.NewDatabaseName("fleet"), i)).ToList();
        Task.WaitAll(fleet.Select(db => Task.Run(() => db.Create(_pg.Source))).ToArray());
        return (IReadOnlyList<FleetDatabase>)fleet;
    });

    [Fact]
    public void EightMigrationsInForEachObjectParallelEachKeepTheirOwnDatabase()
    {
        var run = Run("parallel", @"$names | ForEach-Object -ThrottleLimit 8 -Parallel { & { " + Migration + @" } $_ $using:root }");

        AssertEachMigratedItsOwn(run);
    }

    [Fact]
    public void EightMigrationsInThreadJobsEachKeepTheirOwnDatabase()
    {
        var run = Run("threadjob", @"$jobs = foreach ($name in $names) { Start-ThreadJob -ThrottleLimit 8 -ArgumentList $name, $root -ScriptBlock { " + Migration + @" } }
$jobs | Receive-Job -Wait -AutoRemoveJob");

        AssertEachMigratedItsOwn(run);
    }

    [Fact]
    public void EachParallelRunspaceHasItsOwnSshSessionAndDumpsThroughIt()
    {
        var server = _ssh.Server;
        var remote = string.Join(",", Fleet.Select(_ => server.NewRemoteFolder("fleet")));
        var environment = new Dictionary<string, string>
        {
            ["HYDRA_FLEET_REMOTE"] = remote,
            ["HYDRA_FLEET_SSH_PORT"] = server.Port.ToString(CultureInfo.InvariantCulture),
            ["HYDRA_FLEET_SSH_USER"] = SshServer.UserName,
            ["HYDRA_FLEET_SSH_KEY"] = server.KeyFile,
            ["HYDRA_FLEET_KNOWN_HOST"] = server.KnownHostsLine(),
        };

        var run = Run("ssh", @"$remote = $env:HYDRA_FLEET_REMOTE -split ','
$known = Join-Path $root 'known_hosts'
Set-Content -LiteralPath $known -Value $env:HYDRA_FLEET_KNOWN_HOST
New-Item -ItemType Directory -Path (Join-Path $root 'opened') | Out-Null
0..($names.Count - 1) | ForEach-Object -ThrottleLimit 8 -Parallel {
    $ErrorActionPreference = 'Stop'
    Import-Module $env:HYDRA_MODULE
    $name = ($using:names)[$_]
    try {
        $session = New-HydraSshSession -HostName 127.0.0.1 -Port $env:HYDRA_FLEET_SSH_PORT -UserName $env:HYDRA_FLEET_SSH_USER -KeyFile $env:HYDRA_FLEET_SSH_KEY -KnownHostsPath $using:known
" + Connections + @"
        $folder = Join-Path $using:root $name
        # Every runspace lists its sessions only once all eight are open, so a registry shared
        # between runspaces could not hide behind timing.
        $opened = Join-Path $using:root 'opened'
        New-Item -ItemType File -Path (Join-Path $opened $name) | Out-Null
        $deadline = [datetime]::UtcNow.AddSeconds(120)
        while (@(Get-ChildItem -LiteralPath $opened).Count -lt ($using:names).Count) {
            if ([datetime]::UtcNow -gt $deadline) { throw 'The other runspaces did not open their sessions within 120 s.' }
            Start-Sleep -Milliseconds 50
        }
        $listed = @(Get-HydraSshSession)
        $ok = New-HydraDump -Connection $src -SshSession $session -Path (($using:remote)[$_] + '/' + $name + '.dump') |
            Copy-HydraDump -Destination ($folder + '/') | Tee-Object -Variable dump |
            Restore-HydraDump -Connection $dst -CreateDatabase | Test-HydraMigration -Quiet
        $session | Remove-HydraSshSession
        'HYDRA-FLEET ' + (@{
            Name = $name; Ok = $ok; Runspace = [runspace]::DefaultRunspace.InstanceId.ToString()
            ManifestPath = $dump.ManifestPath; DumpPath = $dump.Path
            Sessions = $listed.Count; OwnSession = ($listed.Count -eq 1 -and [object]::ReferenceEquals($listed[0], $session))
            SessionsAfterRemove = @(Get-HydraSshSession).Count
        } | ConvertTo-Json -Compress)
    } catch {
        'HYDRA-FLEET-ERROR ' + $name + ': ' + $_.FullyQualifiedErrorId + ': ' + $_.Exception.Message
    }
}", environment);

        AssertEachMigratedItsOwn(run);
        foreach (var result in run.Results.Values)
        {
            Assert.True(result.GetProperty("OwnSession").GetBoolean(), "Get-HydraSshSession in the runspace of " + result.GetProperty("Name") + " listed " + result.GetProperty("Sessions") + " sessions, not just its own");
            Assert.Equal(0, result.GetProperty("SessionsAfterRemove").GetInt32());
        }

        Assert.DoesNotContain(_pg.Source.SuperPassword, server.Log, StringComparison.Ordinal);
    }

    /// <summary>
    /// The runspace's own connections for database $name: the source, and a new target database
    /// named after it. The passwords come from pwsh's environment, never from its command line.
    /// </summary>
    private const string Connections = @"
        $src = New-HydraConnection -HostName 127.0.0.1 -Port $env:HYDRA_FLEET_SOURCE_PORT -Database $name -Credential ([pscredential]::new($env:HYDRA_FLEET_USER, (ConvertTo-SecureString $env:HYDRA_FLEET_SOURCE_PASSWORD -AsPlainText -Force)))
        $dst = New-HydraConnection -HostName 127.0.0.1 -Port $env:HYDRA_FLEET_TARGET_PORT -Database ($name + $env:HYDRA_FLEET_SUFFIX) -Credential ([pscredential]::new($env:HYDRA_FLEET_USER, (ConvertTo-SecureString $env:HYDRA_FLEET_TARGET_PASSWORD -AsPlainText -Force)))
";

    /// <summary>
    /// One migration, as a script block body taking the database name and the fleet's folder: its
    /// own connections, dump (into the database's own folder), restore into a new database and
    /// validation; it reports what it saw as a JSON line (the files, the result, the runspace).
    /// </summary>
    private const string Migration = @"param($name, $root)
    $ErrorActionPreference = 'Stop'
    Import-Module $env:HYDRA_MODULE
    try {
" + Connections + @"
        # Each runspace in a location of its own, with a relative path: the process has one
        # current directory for all of them, so only PowerShell's location per runspace is right.
        Set-Location -LiteralPath (Join-Path $root $name)
        $ok = New-HydraDump -Connection $src -Path ($name + '.dump') | Tee-Object -Variable dump |
            Restore-HydraDump -Connection $dst -CreateDatabase | Test-HydraMigration -Quiet
        'HYDRA-FLEET ' + (@{
            Name = $name; Ok = $ok; Runspace = [runspace]::DefaultRunspace.InstanceId.ToString()
            ManifestPath = $dump.ManifestPath; DumpPath = $dump.Path
        } | ConvertTo-Json -Compress)
    } catch {
        'HYDRA-FLEET-ERROR ' + $name + ': ' + $_.FullyQualifiedErrorId + ': ' + $_.Exception.Message
    }";

    private FleetRun Run(string stem, string fleetScript, Dictionary<string, string>? extra = null)
    {
        var fleet = Fleet;
        var suffix = "_" + stem;
        var root = _pg.NewFolder("fleet-" + stem);
        foreach (var db in fleet)
        {
            Directory.CreateDirectory(Path.Combine(root, db.Name));
        }

        // The pwsh process's own temp folder, to see that no migration left its private one behind.
        var temp = Path.Combine(root, "tmp");
        Directory.CreateDirectory(temp);

        // Passwords reach pwsh in its environment only, never on its command line or in the script.
        var environment = new Dictionary<string, string>
        {
            ["HYDRA_FLEET_NAMES"] = string.Join(",", fleet.Select(d => d.Name)),
            ["HYDRA_FLEET_ROOT"] = root,
            ["HYDRA_FLEET_SUFFIX"] = suffix,
            ["HYDRA_FLEET_USER"] = PostgresCluster.SuperUser,
            ["HYDRA_FLEET_SOURCE_PORT"] = _pg.Source.Port.ToString(CultureInfo.InvariantCulture),
            ["HYDRA_FLEET_SOURCE_PASSWORD"] = _pg.Source.SuperPassword,
            ["HYDRA_FLEET_TARGET_PORT"] = _pg.Target.Port.ToString(CultureInfo.InvariantCulture),
            ["HYDRA_FLEET_TARGET_PASSWORD"] = _pg.Target.SuperPassword,
            ["TMPDIR"] = temp,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = Pwsh.Run(@"$ErrorActionPreference = 'Stop'
$names = $env:HYDRA_FLEET_NAMES -split ','
$root = $env:HYDRA_FLEET_ROOT
" + fleetScript, environment, timeoutSeconds: 300);
        var seconds = clock.Elapsed.TotalSeconds;

        var failures = result.Output.Split('\n').Where(l => l.StartsWith("HYDRA-FLEET-ERROR ", StringComparison.Ordinal)).ToList();
        Assert.True(result.ExitCode == 0 && failures.Count == 0, $"pwsh exited {result.ExitCode}:\n{string.Join("\n", failures)}\n{result.Output}\n{result.Errors}");
        var results = result.Output.Split('\n')
            .Where(l => l.StartsWith(Marker, StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l[Marker.Length..]).RootElement)
            .ToDictionary(e => e.GetProperty("Name").GetString()!, StringComparer.Ordinal);
        Assert.True(results.Count == Size, "expected one result per database, got " + results.Count + ":\n" + result.Output + result.Errors);
        Assert.Empty(Directory.GetFileSystemEntries(temp, "hydra-*")); // each migration's private temp folder is gone
        Console.WriteLine($"Fleet {stem}: {Size} migrations in {seconds:F1} s");
        return new FleetRun(fleet, results, root, suffix);
    }

    private void AssertEachMigratedItsOwn(FleetRun run)
    {
        foreach (var db in run.Fleet)
        {
            var result = run.Results[db.Name];
            Assert.True(result.GetProperty("Ok").ValueKind == JsonValueKind.True, db.Name + ": Test-HydraMigration -Quiet said " + result.GetProperty("Ok"));

            // The manifest and the archive are this database's, in this database's folder only.
            var folder = Path.Combine(run.Root, db.Name);
            Assert.Equal(new[] { db.Name + ".dump", db.Name + ".dump.manifest.json" }, Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Equal(Path.Combine(folder, db.Name + ".dump"), result.GetProperty("DumpPath").GetString());
            var manifest = DumpFiles.Manifest(Path.Combine(folder, db.Name + ".dump"));
            Assert.Equal(db.Name, manifest.GetProperty("source").GetProperty("database").GetString());
            Assert.Equal(db.Rows, DumpFiles.RowCount(DumpFiles.Table(manifest, "public", "t")));
            Assert.Equal(db.ColumnarRows, DumpFiles.RowCount(DumpFiles.Table(manifest, "public", "c")));
            var options = DumpFiles.Table(manifest, "public", "c").GetProperty("columnar");
            Assert.Equal(db.StripeRowLimit, options.GetProperty("stripeRowLimit").GetInt32());

            // The target holds this database's data and columnar options, no other's.
            var target = db.Name + run.Suffix;
            Assert.Equal(db.Rows, _pg.Target.Count(target, "SELECT count(*) FROM t"));
            Assert.Equal(db.ColumnarRows, _pg.Target.Count(target, "SELECT count(*) FROM c"));
            Assert.Equal(db.Name, _pg.Target.Psql(target, "SELECT name FROM tag").Trim());
            Assert.Equal(db.Options, _pg.Target.Psql(target, FleetDatabase.OptionsQuery).Trim());
        }

        // Eight runspaces ran them, not one after the other in the same.
        Assert.Equal(Size, run.Results.Values.Select(r => r.GetProperty("Runspace").GetString()).Distinct().Count());
    }

    private sealed record FleetRun(IReadOnlyList<FleetDatabase> Fleet, Dictionary<string, JsonElement> Results, string Root, string Suffix);

    /// <summary>One small source database whose content says which it is.</summary>
    private sealed record FleetDatabase(string Name, int Index)
    {
        public const string OptionsQuery = "SELECT chunk_group_row_limit || ',' || stripe_row_limit || ',' || compression || ',' || compression_level FROM columnar.options WHERE regclass = 'public.c'::regclass";

        public long Rows => 50 + (13 * Index);

        public long ColumnarRows => 20 + Index;

        public int StripeRowLimit => 20_000 + (1_000 * Index);

        private int ChunkGroupRowLimit => 1_000 + Index;

        private string Compression => Compressions[Index % Compressions.Length];

        private int CompressionLevel => 1 + Index;

        public string Options => string.Join(",", ChunkGroupRowLimit, StripeRowLimit, Compression, CompressionLevel);

        public void Create(PostgresCluster cluster)
        {
            cluster.Execute("postgres", $"CREATE DATABASE {Name}");
            cluster.Execute(Name, $@"
CREATE EXTENSION columnar;
CREATE TABLE tag (name text);
INSERT INTO tag VALUES ('{Name}');
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, {Rows}) g;
CREATE TABLE c (id int, v text) USING columnar;
INSERT INTO c SELECT g, 'row ' || g FROM generate_series(1, {ColumnarRows}) g;
SELECT columnar.alter_columnar_table_set('c', chunk_group_row_limit => {ChunkGroupRowLimit}, stripe_row_limit => {StripeRowLimit}, compression => '{Compression}', compression_level => {CompressionLevel});
");
        }
    }
}
