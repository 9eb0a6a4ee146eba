using System;
using System.Globalization;
using System.Linq;
using HydraMigration.Tests.Harness;
using static HydraMigration.Tests.Validation.ValidationAssertions;

namespace HydraMigration.Tests.Direct;

/// <summary>Copy-HydraDatabase with both servers reached through -SshTunnel connections: the schema tools, the workers and the validation all go over SSH.</summary>
[Collection(PostgresCollection.Name)]
public sealed class CopyHydraDatabaseTunnelTests : IDisposable
{
    private readonly PostgresFixture _pg;
    private readonly SshServer _server;
    private readonly PowerShellSession _ps = new();

    public CopyHydraDatabaseTunnelTests(PostgresFixture pg, SshFixture ssh)
    {
        _pg = pg;
        _server = ssh.Server;
    }

    public void Dispose()
    {
        _ps.Run("Get-HydraSshSession | Remove-HydraSshSession");
        _ps.Dispose();
    }

    [Fact]
    public void BothServersThroughSshTunnels()
    {
        var source = DirectSources.Rich(_pg);
        var target = _pg.NewDatabaseName("direct_tunnel");
        SshLogin.Open(_ps, "s", _server, _pg.NewFolder("direct-tunnel"));
        _ps.Set("scred", Credentials.Of(PostgresCluster.SuperUser, _pg.Source.SuperPassword));
        _ps.Set("tcred", Credentials.Of(PostgresCluster.SuperUser, _pg.Target.SuperPassword));

        var copy = _ps.Run(
            "$src = New-HydraConnection -HostName 127.0.0.1 -Port $args[0] -Database $args[1] -Credential $scred -SshTunnel $s; "
            + "$dst = New-HydraConnection -HostName 127.0.0.1 -Port $args[2] -Database $args[3] -Credential $tcred -SshTunnel $s; "
            + "Copy-HydraDatabase -Source $src -Destination $dst -CreateDatabase -Jobs 2 | Test-HydraMigration",
            _pg.Source.Port, source, _pg.Target.Port, target);

        Assert.True(copy.Errors.Count == 0, string.Join("\n", copy.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)));
        Assert.Empty(Problems(copy));
        Assert.Contains(copy.Output, o => Describe(o) == "Pass RowCount inventory.stock_moves Count");
        foreach (var port in new[] { _pg.Source.Port, _pg.Target.Port })
        {
            // The snapshot session, pg_dump, pg_restore and the workers: several forwards to each server.
            var forwards = _server.Log.Split('\n').Count(l => l.Contains("server_request_direct_tcpip", StringComparison.Ordinal) && l.TrimEnd().EndsWith("target 127.0.0.1 port " + port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
            Assert.True(forwards >= 3, "expected forwarded connections to port " + port + " in the sshd log");
        }
    }
}
