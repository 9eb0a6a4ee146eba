using System;
using System.Globalization;
using System.IO;
using System.Linq;
using HydraMigration.Tests.Dump;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Ssh;

/// <summary>New-HydraConnection -SshTunnel: Npgsql and the local pg_dump reach the server through a forward over the session.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SshTunnelTests : IDisposable
{
    private readonly PostgresFixture _pg;
    private readonly SshServer _server;
    private readonly PowerShellSession _ps = new();

    public SshTunnelTests(PostgresFixture pg, SshFixture ssh)
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
    public void ADumpThroughATunnelGoesOverSshAndTheForwardIsClosedAfterwards()
    {
        var folder = _pg.NewFolder("tunnel");
        SshLogin.Open(_ps, "s", _server, folder);
        _ps.Set("cred", Credentials.Of(PostgresCluster.SuperUser, _pg.Source.SuperPassword));
        var listenersBefore = LocalListeners();

        var result = _ps.Run(
            "$src = New-HydraConnection -HostName 127.0.0.1 -Port $args[0] -Database $args[1] -Credential $cred -SshTunnel $s; New-HydraDump -Connection $src -Path $args[2]",
            _pg.Source.Port, _pg.Sample, Path.Combine(folder, "shop.dump"));

        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)));
        var dump = result.Output.Single();
        Assert.EndsWith("via ssh " + SshServer.UserName + "@127.0.0.1:" + SshLogin.Port(_server), _ps.Run("$src.ToString()").Output.Single().ToString(), StringComparison.Ordinal);
        Assert.Equal(_pg.Source.Count(_pg.Sample, "SELECT count(*) FROM sales.customers"), DumpFiles.RowCount(DumpFiles.Table(DumpFiles.Manifest((string)dump.Properties["Path"].Value), "sales", "customers")));
        Assert.True(File.Exists(Path.Combine(folder, "shop.dump")));

        // sshd saw the forwards to the database port: Npgsql's (catalog, snapshot) and pg_dump's.
        var forwards = _server.Log.Split('\n').Count(l => l.Contains("server_request_direct_tcpip", StringComparison.Ordinal) && l.TrimEnd().EndsWith("target 127.0.0.1 port " + _pg.Source.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        Assert.True(forwards >= 2, "expected forwarded connections in the sshd log:\n" + _server.Log);
        Assert.Equal(listenersBefore, LocalListeners());
    }

    [Fact]
    public void ATunnelOverAClosedSessionIsAClearError()
    {
        var folder = _pg.NewFolder("tunnel-closed");
        SshLogin.Open(_ps, "s", _server, folder);
        _ps.Set("cred", Credentials.Of(PostgresCluster.SuperUser, _pg.Source.SuperPassword));
        var result = _ps.Run(
            "$src = New-HydraConnection -HostName 127.0.0.1 -Port $args[0] -Database $args[1] -Credential $cred -SshTunnel $s; Remove-HydraSshSession $s; New-HydraDump -Connection $src -Path $args[2]",
            _pg.Source.Port, _pg.Sample, Path.Combine(folder, "shop.dump"));
        Assert.Equal("SshSessionClosed,HydraMigration.Commands.NewHydraDumpCommand", Assert.Single(result.Errors).FullyQualifiedErrorId);
        Assert.Equal(new[] { "known_hosts" }, Directory.GetFiles(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void VerifyFullThroughATunnelIsRefusedWithTheAlternatives()
    {
        SshLogin.Open(_ps, "s", _server, _pg.NewFolder("tunnel-tls"));
        var result = _ps.Run("New-HydraConnection -HostName db.example.net -Database x -UserName u -SslMode VerifyFull -SshTunnel $s");
        var error = Assert.Single(result.Errors);
        Assert.Equal("SslVerifyFullThroughTunnel,HydraMigration.Commands.NewHydraConnectionCommand", error.FullyQualifiedErrorId);
        Assert.Contains("VerifyCA", error.Exception.Message, StringComparison.Ordinal);
    }

    /// <summary>TCP ports this test process listens on.</summary>
    private static string LocalListeners() =>
        string.Join(",", ExternalCommand.Run("ss", new[] { "-Hltnp" }).Split('\n')
            .Where(l => l.Contains("pid=" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ",", StringComparison.Ordinal))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3]).Order());
}
