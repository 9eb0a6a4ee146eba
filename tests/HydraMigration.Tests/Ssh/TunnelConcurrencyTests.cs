using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using HydraMigration.Tests.Harness;
using Xunit.Abstractions;

namespace HydraMigration.Tests.Ssh;

/// <summary>
/// A tunnel carries as many connections at once as its users open: pg_dump's parallel workers
/// and Test-HydraMigration's parallel checks all connect together through one forward.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class TunnelConcurrencyTests : IDisposable
{
    private readonly PostgresFixture _pg;
    private readonly SshServer _server;
    private readonly PowerShellSession _ps = new();
    private readonly ITestOutputHelper _output;

    public TunnelConcurrencyTests(PostgresFixture pg, SshFixture ssh, ITestOutputHelper output)
    {
        _pg = pg;
        _server = ssh.Server;
        _output = output;
    }

    public void Dispose()
    {
        _ps.Run("Get-HydraSshSession | Remove-HydraSshSession");
        _ps.Dispose();
    }

    [Fact]
    public void EightParallelDumpWorkersAndEightParallelChecksShareOneTunnelRunAfterRun()
    {
        var folder = _pg.NewFolder("tunnel-parallel");
        SshLogin.Open(_ps, "s", _server, folder);
        _ps.Set("cred", Credentials.Of(PostgresCluster.SuperUser, _pg.Source.SuperPassword));
        _ps.Run("$viaTunnel = New-HydraConnection -HostName 127.0.0.1 -Port $args[0] -Database $args[1] -Credential $cred -SshTunnel $s; $direct = New-HydraConnection -HostName 127.0.0.1 -Port $args[0] -Database $args[1] -Credential $cred",
            _pg.Source.Port, _pg.Sample);

        for (var round = 0; round < 3; round++)
        {
            var clock = Stopwatch.StartNew();
            var dump = _ps.Run("New-HydraDump -Connection $viaTunnel -Format Directory -Jobs 8 -Path $args[0]", Path.Combine(folder, "round" + round));
            Assert.True(dump.Errors.Count == 0, string.Join("\n", dump.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)));
            var dumped = clock.Elapsed;

            clock.Restart();
            var checks = _ps.Run("Test-HydraMigration -Connection $viaTunnel -Source $direct -ThrottleLimit 8");
            Assert.True(checks.Errors.Count == 0, string.Join("\n", checks.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)));
            Assert.NotEmpty(checks.Output);
            Assert.All(checks.Output, c => Assert.NotEqual("Fail", c.Properties["Status"].Value.ToString()));
            _output.WriteLine($"round {round}: dump -Jobs 8 {dumped.TotalSeconds:0.0} s, validation -ThrottleLimit 8 {clock.Elapsed.TotalSeconds:0.0} s");
        }

        // The same through a per-call session, which logs in for the call and out after it.
        var perCall = _ps.Run(
            "$perCall = New-HydraConnection -HostName 127.0.0.1 -Port $args[0] -Database $args[1] -Credential $cred -SshHostName 127.0.0.1 -SshPort $args[2] -SshUserName $args[3] -SshKeyFile $args[4] -SshKnownHostsPath $args[5]; New-HydraDump -Connection $perCall -Format Directory -Jobs 8 -Path $args[6]; Test-HydraMigration -Connection $perCall -Source $direct -ThrottleLimit 8 -Quiet",
            _pg.Source.Port, _pg.Sample, _server.Port, SshServer.UserName, _server.KeyFile, Path.Combine(folder, "known_hosts"), Path.Combine(folder, "per-call"));
        Assert.True(perCall.Errors.Count == 0, string.Join("\n", perCall.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)));
        Assert.True((bool)perCall.Output.Last().BaseObject);

        // pg_dump -j 8 opened its leader and eight workers through the one forward at once.
        var forwards = _server.Log.Split('\n').Count(l => l.Contains("server_request_direct_tcpip", StringComparison.Ordinal) && l.TrimEnd().EndsWith("port " + _pg.Source.Port, StringComparison.Ordinal));
        Assert.True(forwards >= 4 * 9, "expected at least 36 forwarded connections in the sshd log, saw " + forwards);
    }

    [Fact]
    public void ATunnelWhoseSshLinkDropsMidDumpIsAClearErrorAndLeavesNothing()
    {
        var folder = _pg.NewFolder("tunnel-drop");
        SshLogin.Open(_ps, "s", _server, folder);
        _ps.Set("cred", Credentials.Of(PostgresCluster.SuperUser, _pg.Source.SuperPassword));
        _ps.Run("$viaTunnel = New-HydraConnection -HostName 127.0.0.1 -Port $args[0] -Database $args[1] -Credential $cred -SshTunnel $s", _pg.Source.Port, _pg.Big);

        using (var running = _ps.Start("New-HydraDump -Connection $viaTunnel -Path $args[0]", Path.Combine(folder, "big.dump")))
        {
            Assert.True(running.WaitUntil(() => Directory.GetFiles(folder, "big.dump.partial-*").Any(f => new FileInfo(f).Length > 1 << 20), TimeSpan.FromSeconds(60)), "the dump never got going");
            _server.KillSessions();
            var failed = running.Wait();
            var error = Assert.Single(failed.Errors);
            Assert.Equal("SshTunnelLost,HydraMigration.Commands.NewHydraDumpCommand", error.FullyQualifiedErrorId);
            Assert.Contains(SshServer.UserName + "@127.0.0.1:" + SshLogin.Port(_server) + ", which tunnels to 127.0.0.1:" + _pg.Source.Port, error.Exception.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(_pg.Source.SuperPassword, error.ToString(), StringComparison.Ordinal);
        }

        // Nothing half-written is left, and no file holds the password.
        Assert.Equal(new[] { "known_hosts" }, Directory.GetFileSystemEntries(folder).Select(Path.GetFileName));
        Assert.DoesNotContain(_pg.Source.SuperPassword, File.ReadAllText(Path.Combine(folder, "known_hosts")), StringComparison.Ordinal);
    }
}
