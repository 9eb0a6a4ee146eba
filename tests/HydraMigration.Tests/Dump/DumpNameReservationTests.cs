using System;
using System.IO;
using System.Linq;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Dump;

/// <summary>
/// The names a dump is known by. Two dumps of one database into one folder at the same second:
/// the generated name is reserved before pg_dump starts, so each gets its own name and both
/// succeed. And errors name the path the user asked for, never the temporary one.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DumpNameReservationTests : IDisposable
{
    private readonly PostgresFixture _pg;
    private readonly SshServer _server;
    private readonly PowerShellSession[] _ps = { new(), new() };

    public DumpNameReservationTests(PostgresFixture pg, SshFixture ssh)
    {
        _pg = pg;
        _server = ssh.Server;
    }

    public void Dispose()
    {
        foreach (var ps in _ps)
        {
            ps.Run("Get-HydraSshSession | Remove-HydraSshSession");
            ps.Dispose();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TwoDumpsStartedAtOnceIntoOneFolderBothSucceedUnderDistinctNames(bool overSsh)
    {
        var local = _pg.NewFolder("reserve");
        var folder = overSsh ? _server.NewRemoteFolder("reserve") : local;
        var script = "New-HydraDump -Connection $src -Path $args[0]" + (overSsh ? " -SshSession $s" : "");
        foreach (var ps in _ps)
        {
            Credentials.Connect(ps, "src", _pg.Source, _pg.Sample);
            if (overSsh)
            {
                SshLogin.Open(ps, "s", _server, local);
            }
        }

        // The generated name has a one-second resolution: start both at the beginning of a
        // second, and try again until a pair really started in the same one.
        var sameSecond = false;
        for (var attempt = 0; attempt < 5 && !sameSecond; attempt++)
        {
            while (DateTime.Now.Millisecond > 20)
            {
                System.Threading.Thread.Sleep(1); // aligning to a clock second, not waiting for the dumps
            }

            var started = _ps.Select(ps => ps.Start(script, folder + "/")).ToList();
            var runs = started.Select(r => r.Wait()).ToList();
            started.ForEach(r => r.Dispose());
            foreach (var run in runs)
            {
                Assert.True(run.Errors.Count == 0, string.Join("\n", run.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)));
            }

            var paths = runs.Select(r => (string)r.Output.Single().Properties["Path"].Value).ToList();
            Assert.NotEqual(paths[0], paths[1]);
            Assert.All(paths, p => Assert.True(File.Exists(p) && File.Exists(p + ".manifest.json"), p));
            var stems = paths.Select(p => Path.GetFileNameWithoutExtension(p)).Order(StringComparer.Ordinal).ToList();
            sameSecond = stems[1] == stems[0] + "_2";
        }

        Assert.True(sameSecond, "no two dumps started in the same second in five attempts");

        // Only archives and manifests are left: the reservations were given back.
        Assert.All(Directory.GetFiles(folder), f => Assert.True(f.EndsWith(".dump", StringComparison.Ordinal) || f.EndsWith(".dump.manifest.json", StringComparison.Ordinal), f));
    }

    [Fact]
    public void APgDumpThatLeavesNoArchiveIsReportedUnderTheUsersPath()
    {
        // A pg_dump that answers its version and then "succeeds" without writing anything.
        var bin = _pg.NewFolder("silent-pg-dump");
        var fake = Path.Combine(bin, "pg_dump");
        File.WriteAllText(fake, "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'pg_dump (PostgreSQL) 99.0'; fi\nexit 0\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        var folder = _pg.NewFolder("no-archive");
        var path = Path.Combine(folder, "shop.dump");
        Credentials.Connect(_ps[0], "src", _pg.Source, _pg.Sample);

        var result = _ps[0].Run("New-HydraDump -Connection $src -Path $args[0] -PgBinPath $args[1]", path, bin);

        var error = Assert.Single(result.Errors);
        Assert.Equal("ArchiveNotFound,HydraMigration.Commands.NewHydraDumpCommand", error.FullyQualifiedErrorId);
        Assert.Contains("'" + path + "'", error.Exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(".partial-", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(path, error.TargetObject);
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }
}
