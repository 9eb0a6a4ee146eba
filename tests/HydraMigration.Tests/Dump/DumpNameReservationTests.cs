using System;
using System.IO;
using System.Linq;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Dump;

/// <summary>
/// Two dumps of one database into one folder at the same second: the generated name is
/// reserved before pg_dump starts, so each gets its own name and both succeed.
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
}
