using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Migration;

/// <summary>
/// Twenty migrations of twenty small databases at once in one real pwsh, twice: from a CSV of
/// connection strings (no password in it: a PGPASSFILE has them) through Invoke-HydraMigration's
/// own pool with -ThrottleLimit 8, and through ForEach-Object -Parallel in the user's script.
/// Each database holds its own row count, so a report, journal or target of another migration
/// shows as a wrong number.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FleetMigrationTests
{
    private const int Size = 20;
    private readonly PostgresFixture _pg;

    public FleetMigrationTests(PostgresFixture pg) => _pg = pg;

    [Fact]
    public void TwentyMigrationsAtOnceThroughThePoolAndThroughForEachObjectParallelEachKeepTheirOwn()
    {
        var names = Enumerable.Range(0, Size).Select(_ => _pg.NewDatabaseName("mfleet")).ToList();
        Parallel.For(0, Size, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            _pg.Source.Execute("postgres", $"CREATE DATABASE {names[i]}");
            _pg.Source.Execute(names[i], $"CREATE TABLE t (id int PRIMARY KEY, tag text); INSERT INTO t SELECT g, '{names[i]}' FROM generate_series(1, {100 + i}) g");
        });
        var root = _pg.NewFolder("mfleet");
        var passfile = Path.Combine(root, "pgpass");
        File.WriteAllText(passfile, $"127.0.0.1:{_pg.Source.Port}:*:{PostgresCluster.SuperUser}:{_pg.Source.SuperPassword}\n127.0.0.1:{_pg.Target.Port}:*:{PostgresCluster.SuperUser}:{_pg.Target.SuperPassword}\n");
        File.SetUnixFileMode(passfile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var csv = Path.Combine(root, "migrations.csv");
        File.WriteAllLines(csv, new[] { "Source,Target" }.Concat(names.Select(n =>
            $"\"host=127.0.0.1 port={_pg.Source.Port} dbname={n} user={PostgresCluster.SuperUser}\",\"host=127.0.0.1 port={_pg.Target.Port} dbname={n}_pool user={PostgresCluster.SuperUser}\"")));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var run = Pwsh.Run(@"$ErrorActionPreference = 'Stop'
Import-Module $env:HYDRA_MODULE
$root = $env:HYDRA_FLEET_ROOT
$reports = Import-Csv (Join-Path $root 'migrations.csv') | Invoke-HydraMigration -ThrottleLimit 8 -WorkFolder (Join-Path $root 'pool') -ReportPath (Join-Path $root 'reports/report.html')
'HYDRA-POOL ' + (@($reports | ForEach-Object { @{ Source = $_.Source; Target = $_.Target; Ok = $_.Succeeded; Report = $_.ReportPath; Folder = $_.WorkFolder } }) | ConvertTo-Json -Compress)
$parallel = $env:HYDRA_FLEET_NAMES -split ',' | ForEach-Object -ThrottleLimit 8 -Parallel {
    Import-Module $env:HYDRA_MODULE
    $src = New-HydraConnection -HostName 127.0.0.1 -Port $env:HYDRA_FLEET_SOURCE_PORT -Database $_ -UserName postgres
    $dst = New-HydraConnection -HostName 127.0.0.1 -Port $env:HYDRA_FLEET_TARGET_PORT -Database ($_ + '_par') -UserName postgres
    $folder = Join-Path $using:root ('par/' + $_)
    $ok = Invoke-HydraMigration -Source $src -Target $dst -WorkFolder $folder -ReportPath ($folder + '.html') -Quiet
    @{ Source = $src.Database; Ok = $ok; Report = $folder + '.html' }
}
'HYDRA-PAR ' + (@($parallel) | ConvertTo-Json -Compress)
", new Dictionary<string, string>
        {
            ["PGPASSFILE"] = passfile,
            ["HYDRA_FLEET_ROOT"] = root,
            ["HYDRA_FLEET_NAMES"] = string.Join(",", names),
            ["HYDRA_FLEET_SOURCE_PORT"] = _pg.Source.Port.ToString(CultureInfo.InvariantCulture),
            ["HYDRA_FLEET_TARGET_PORT"] = _pg.Target.Port.ToString(CultureInfo.InvariantCulture),
        }, timeoutSeconds: 240);
        Console.WriteLine($"Fleet of {Size} twice: {clock.Elapsed.TotalSeconds:F1} s");

        Assert.True(run.ExitCode == 0, run.Output + run.Errors);
        var pool = Line(run.Output, "HYDRA-POOL ");
        Assert.Equal(Size, pool.GetArrayLength());
        foreach (var report in pool.EnumerateArray())
        {
            Assert.True(report.GetProperty("Ok").GetBoolean(), report.ToString());
            var name = names.Single(n => report.GetProperty("Source").GetString()!.EndsWith("/" + n, StringComparison.Ordinal));
            Assert.EndsWith("/" + name + "_pool", report.GetProperty("Target").GetString(), StringComparison.Ordinal);
            Assert.Equal(Path.Combine(root, "pool", name + "_pool"), report.GetProperty("Folder").GetString());
            var json = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(report.GetProperty("Report").GetString()!, ".json"))).RootElement;
            Assert.EndsWith("/" + name, json.GetProperty("source").GetString(), StringComparison.Ordinal);
            Assert.Equal(100 + names.IndexOf(name), _pg.Target.Count(name + "_pool", $"SELECT count(*) FROM t WHERE tag = '{name}'"));
        }

        Assert.Equal(Size, Directory.GetFiles(Path.Combine(root, "reports"), "*.html").Length);
        var parallel = Line(run.Output, "HYDRA-PAR ");
        Assert.Equal(Size, parallel.GetArrayLength());
        foreach (var result in parallel.EnumerateArray())
        {
            var name = result.GetProperty("Source").GetString()!;
            Assert.True(result.GetProperty("Ok").GetBoolean(), name);
            Assert.Equal(100 + names.IndexOf(name), _pg.Target.Count(name + "_par", $"SELECT count(*) FROM t WHERE tag = '{name}'"));
            Assert.Contains(name, File.ReadAllText(result.GetProperty("Report").GetString()!), StringComparison.Ordinal);
        }
    }

    private static JsonElement Line(string output, string marker)
    {
        var line = output.Split('\n').SingleOrDefault(l => l.StartsWith(marker, StringComparison.Ordinal));
        Assert.True(line is not null, "no " + marker + "line in:\n" + output);
        var element = JsonDocument.Parse(line![marker.Length..]).RootElement;
        return element.ValueKind == JsonValueKind.Array ? element : JsonDocument.Parse("[" + element.GetRawText() + "]").RootElement;
    }
}
