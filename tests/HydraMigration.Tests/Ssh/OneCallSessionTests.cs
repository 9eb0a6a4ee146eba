using System;
using System.IO;
using System.Linq;
using HydraMigration.Tests.Dump;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Ssh;

/// <summary>
/// The inline -Ssh* parameters: a session opened for the one call that uses it and closed
/// after, which a later call (a piped dump, a connection's tunnel) opens again for itself.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OneCallSessionTests : IDisposable
{
    private readonly PostgresFixture _pg;
    private readonly SshServer _server;
    private readonly PowerShellSession _ps = new();
    private readonly string _local;
    private readonly string _remote;
    private readonly string _knownHosts;
    private readonly int _connectionsBefore;

    public OneCallSessionTests(PostgresFixture pg, SshFixture ssh)
    {
        _pg = pg;
        _server = ssh.Server;
        _local = pg.NewFolder("one-call");
        _remote = _server.NewRemoteFolder("one-call");
        _knownHosts = SshLogin.KnownHosts(_server, _local);
        Credentials.Connect(_ps, "src", _pg.Source, _pg.Sample);

        // The login every call below repeats, splatted: host, port, user, key, known_hosts.
        _ps.Run("$login = @{ SshPort = $args[0]; SshUserName = $args[1]; SshKeyFile = $args[2]; SshKnownHostsPath = $args[3] }", _server.Port, SshServer.UserName, _server.KeyFile, _knownHosts);

        // Other tests' sessions may still be closing: count against what is open now.
        _connectionsBefore = _server.OpenConnections();
    }

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void ADumpOnTheSshHostConnectsForItsCallAndThePipedCopyConnectsAgainForItsOwn()
    {
        var logins = _server.Logins();
        var dumped = _ps.Run("$d = New-HydraDump -Connection $src -SshHostName 127.0.0.1 @login -Path $args[0]; $d", _remote + "/shop.dump");

        AssertNoErrors(dumped);
        var dump = dumped.Output.Single();
        Assert.Equal(Path.Combine(_remote, "shop.dump"), dump.Properties["Path"].Value);
        Assert.True(File.Exists(Path.Combine(_remote, "shop.dump.manifest.json")));
        Assert.Equal(true, _ps.Run("$d.SshSession.OpensPerCall").Output.Single().BaseObject);
        Assert.Equal(false, _ps.Run("$d.SshSession.IsConnected").Output.Single().BaseObject);
        Assert.StartsWith("SHA256:", (string)_ps.Run("$d.SshSession.HostKeyFingerprint").Output.Single().BaseObject, StringComparison.Ordinal);
        Assert.Empty(_ps.Run("Get-HydraSshSession").Output); // not a kept session: nothing to remove later
        Assert.Empty(_ps.Run("$d.SshSession | Out-Default").Errors);
        Assert.Matches(@"127\.0\.0\.1\s+\d+\s+" + SshServer.UserName + @"\s+per call\s+SHA256:", _ps.Host.Text);
        Assert.True(Poll.Until(AllClosed), "the dump's connections stayed open");
        Assert.True(_server.Logins() > logins);

        var loginsBeforeCopy = _server.Logins();
        var copied = _ps.Run("$d | Copy-HydraDump -Destination $args[0]", _local + "/");

        AssertNoErrors(copied);
        var local = Path.Combine(_local, "shop.dump");
        Assert.Equal(DumpFiles.Sha256(Path.Combine(_remote, "shop.dump")), DumpFiles.Sha256(local));
        Assert.Equal(DumpFiles.Sha256(local), copied.Output.Single().Properties["Sha256"].Value);
        Assert.True(_server.Logins() > loginsBeforeCopy, "the copy should have logged in again for its own call");
        Assert.True(Poll.Until(AllClosed), "the copy's connections stayed open");
    }

    [Fact]
    public void CopiesUpWithAPasswordAndDownWithAKeyEachLoggingInForTheCall()
    {
        var dumped = _ps.Run("New-HydraDump -Connection $src -Path $args[0]", Path.Combine(_local, "shop.dump"));
        AssertNoErrors(dumped);
        _ps.Set("sshCred", Credentials.Of(SshServer.UserName, _server.Password));

        var up = _ps.Run(
            "Copy-HydraDump -Path $args[0] -ToSshHostName 127.0.0.1 -SshPort $args[1] -SshCredential $sshCred -SshHostKeyFingerprint $args[2] -Destination $args[3]",
            Path.Combine(_local, "shop.dump"), _server.Port, _server.HostKeyFingerprint, _remote + "/");

        AssertNoErrors(up);
        Assert.Equal(DumpFiles.Sha256(Path.Combine(_local, "shop.dump")), DumpFiles.Sha256(Path.Combine(_remote, "shop.dump")));
        Assert.Equal(SshServer.UserName + "@127.0.0.1:" + SshLogin.Port(_server), up.Output.Single().Properties["Location"].Value);

        var down = _ps.Run("Copy-HydraDump -FromSshHostName 127.0.0.1 @login -Path $args[0] -Destination $args[1]", _remote + "/shop.dump", Path.Combine(_local, "back.dump"));

        AssertNoErrors(down);
        Assert.Equal(DumpFiles.Sha256(Path.Combine(_local, "shop.dump")), DumpFiles.Sha256(Path.Combine(_local, "back.dump")));
        Assert.True(Poll.Until(AllClosed), "a copy's connections stayed open");
        Assert.DoesNotContain(_server.Password, string.Join("\n", up.Verbose.Concat(down.Verbose)), StringComparison.Ordinal);
    }

    [Fact]
    public void AConnectionWithAnInlineTunnelLogsInOnlyWhenACmdletUsesIt()
    {
        var logins = _server.Logins();
        var made = _ps.Run(
            "$c = New-HydraConnection -HostName 127.0.0.1 -Port $args[0] -Database $args[1] -Credential $srcCred -SshHostName 127.0.0.1 @login; $c.ToString()",
            _pg.Source.Port, _pg.Sample);
        AssertNoErrors(made);
        Assert.EndsWith("via ssh " + SshServer.UserName + "@127.0.0.1:" + SshLogin.Port(_server), made.Output.Single().ToString(), StringComparison.Ordinal);
        Assert.Equal(logins, _server.Logins()); // describing a connection connects nowhere

        var dumped = _ps.Run("New-HydraDump -Connection $c -Path $args[0]", Path.Combine(_local, "tunnelled.dump"));

        AssertNoErrors(dumped);
        Assert.True(File.Exists(Path.Combine(_local, "tunnelled.dump")));
        Assert.True(_server.Logins() > logins);
        Assert.Contains("server_request_direct_tcpip", _server.Log, StringComparison.Ordinal);
        Assert.True(Poll.Until(AllClosed), "the tunnel's connection stayed open after the call");
    }

    [Fact]
    public void AnUnknownHostIsRefusedWithItsFingerprintAndNothingIsWritten()
    {
        File.WriteAllText(Path.Combine(_local, "empty_known_hosts"), "");
        var result = _ps.Run(
            "New-HydraDump -Connection $src -SshHostName 127.0.0.1 -SshPort $args[0] -SshUserName $args[1] -SshKeyFile $args[2] -SshKnownHostsPath $args[3] -Path $args[4]",
            _server.Port, SshServer.UserName, _server.KeyFile, Path.Combine(_local, "empty_known_hosts"), _remote + "/never.dump");

        var error = Assert.Single(result.Errors);
        Assert.Equal("SshHostKeyUnknown,HydraMigration.Commands.NewHydraDumpCommand", error.FullyQualifiedErrorId);
        Assert.Contains(_server.HostKeyFingerprint, error.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_remote));
        Assert.Equal("", File.ReadAllText(Path.Combine(_local, "empty_known_hosts")));
    }

    [Fact]
    public void LoginOptionsWithoutAHostAndASessionGivenTwiceAreRefused()
    {
        var noHost = _ps.Run("New-HydraDump -Connection $src -SshKeyFile $args[0] -Path $args[1]", _server.KeyFile, Path.Combine(_local, "never.dump"));
        Assert.Equal("SshHostNameMissing,HydraMigration.Commands.NewHydraDumpCommand", Assert.Single(noHost.Errors).FullyQualifiedErrorId);
        Assert.Contains("-SshHostName", noHost.Errors[0].Exception.Message, StringComparison.Ordinal);

        var noCopyHost = _ps.Run("Copy-HydraDump -Path $args[0] -Destination $args[1] -SshPort 2222", Path.Combine(_local, "x.dump"), _remote + "/");
        Assert.Equal("SshHostNameMissing,HydraMigration.Commands.CopyHydraDumpCommand", Assert.Single(noCopyHost.Errors).FullyQualifiedErrorId);

        SshLogin.Open(_ps, "s", _server, _local);
        var twice = _ps.Run("New-HydraDump -Connection $src -SshSession $s -SshHostName 127.0.0.1 @login -Path $args[0]", _remote + "/never.dump");
        _ps.Run("Remove-HydraSshSession $s");
        Assert.Equal("SshSessionConflict,HydraMigration.Commands.NewHydraDumpCommand", Assert.Single(twice.Errors).FullyQualifiedErrorId);
        Assert.Empty(Directory.GetFileSystemEntries(_remote));
        Assert.False(File.Exists(Path.Combine(_local, "never.dump")));
    }

    private bool AllClosed() => _server.OpenConnections() <= _connectionsBefore;

    private static void AssertNoErrors(PipelineResult result) =>
        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)));
}
