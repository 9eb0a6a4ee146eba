using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Ssh;

/// <summary>New-, Get- and Remove-HydraSshSession against the private sshd: logins, host keys, failures.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SshSessionTests : IDisposable
{
    private const string Cmd = ",HydraMigration.Commands.NewHydraSshSessionCommand";
    private readonly PowerShellSession _ps = new();
    private readonly SshServer _server;
    private readonly string _folder;

    public SshSessionTests(PostgresFixture postgres, SshFixture ssh)
    {
        _server = ssh.Server;
        _folder = postgres.NewFolder("ssh");
    }

    public void Dispose()
    {
        _ps.Run("Get-HydraSshSession | Remove-HydraSshSession");
        _ps.Dispose();
    }

    private string KnownHosts => Path.Combine(_folder, "known_hosts");

    private PipelineResult Connect(string extra, params object?[] more) =>
        _ps.Run("New-HydraSshSession -HostName 127.0.0.1 -Port $args[0] -UserName $args[1] -KnownHostsPath $args[2] " + extra,
            new object?[] { _server.Port, SshServer.UserName, KnownHosts }.Concat(more).ToArray());

    [Fact]
    public void KeyLoginWithAKnownHostIsListedAndRemoved()
    {
        SshLogin.KnownHosts(_server, _folder);
        var result = Connect("-KeyFile $args[3]", _server.KeyFile);
        Assert.Empty(result.Errors);
        var session = Assert.Single(result.Output);
        Assert.Equal("127.0.0.1", session.Properties["HostName"].Value);
        Assert.Equal(_server.Port, session.Properties["Port"].Value);
        Assert.Equal(SshServer.UserName, session.Properties["UserName"].Value);
        Assert.Equal(_server.HostKeyFingerprint, session.Properties["HostKeyFingerprint"].Value);
        Assert.Equal(true, session.Properties["IsConnected"].Value);
        Assert.Contains("OpenSSH", (string)session.Properties["ServerVersion"].Value, StringComparison.Ordinal);

        _ps.Set("s", session);
        var listed = _ps.Run("Get-HydraSshSession -Id $s.Id");
        Assert.Same(session.BaseObject, Assert.Single(listed.Output).BaseObject);
        var view = _ps.Run("$s | Out-Default");
        Assert.Contains(_server.HostKeyFingerprint, _ps.Host.Text, StringComparison.Ordinal);
        Assert.Empty(view.Errors);

        Assert.Empty(_ps.Run("Remove-HydraSshSession -Session $s").Errors);
        Assert.Equal(false, _ps.Run("$s.IsConnected").Output.Single().BaseObject);
        Assert.DoesNotContain(_ps.Run("Get-HydraSshSession").Output, o => ReferenceEquals(o.BaseObject, session.BaseObject));
    }

    [Fact]
    public void PasswordLogin()
    {
        SshLogin.KnownHosts(_server, _folder);
        _ps.Set("cred", Credentials.Of(SshServer.UserName, _server.Password));
        var result = _ps.Run("New-HydraSshSession 127.0.0.1 -Port $args[0] -Credential $cred -KnownHostsPath $args[1]", _server.Port, KnownHosts);
        Assert.Empty(result.Errors);
        Assert.Equal(SshServer.UserName, result.Output.Single().Properties["UserName"].Value);
    }

    [Fact]
    public void EncryptedPemKeyNeedsItsPassphrase()
    {
        SshLogin.KnownHosts(_server, _folder);
        var missing = Connect("-KeyFile $args[3]", _server.EncryptedPemKeyFile);
        Assert.Equal("SshKeyPassphraseRequired" + Cmd, Assert.Single(missing.Errors).FullyQualifiedErrorId);

        _ps.Set("phrase", Credentials.Of("x", SshServer.KeyPassphrase).Password);
        var result = Connect("-KeyFile $args[3] -KeyPassphrase $phrase", _server.EncryptedPemKeyFile);
        Assert.Empty(result.Errors);
        Assert.Single(result.Output);
    }

    [Fact]
    public void WrongPasswordIsAnAuthenticationError()
    {
        SshLogin.KnownHosts(_server, _folder);
        const string wrong = "not-the-password-'x";
        _ps.Set("cred", Credentials.Of(SshServer.UserName, wrong));
        var result = Connect("-Credential $cred");
        var error = Assert.Single(result.Errors);
        Assert.Equal("SshAuthenticationFailed" + Cmd, error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.DoesNotContain(wrong, error.ToString(), StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void UnknownHostIsRefusedWithItsFingerprintAndTheWaysToTrustIt()
    {
        var result = Connect("-KeyFile $args[3]", _server.KeyFile);
        var error = Assert.Single(result.Errors);
        Assert.Equal("SshHostKeyUnknown" + Cmd, error.FullyQualifiedErrorId);
        var message = error.Exception.Message;
        Assert.Contains(_server.HostKeyFingerprint, message, StringComparison.Ordinal);
        Assert.Contains("-HostKeyFingerprint '" + _server.HostKeyFingerprint + "'", message, StringComparison.Ordinal);
        Assert.Contains("-AcceptNewHostKey", message, StringComparison.Ordinal);
        Assert.DoesNotContain("key exchange", message, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(KnownHosts), "refusing must not write known_hosts");
        Assert.Matches("^SHA256:[A-Za-z0-9+/]{43}$", _server.HostKeyFingerprint);
    }

    [Fact]
    public void PinnedFingerprintIsTrustedAndAWrongPinIsRefused()
    {
        var pinned = Connect("-KeyFile $args[3] -HostKeyFingerprint $args[4]", _server.KeyFile, _server.HostKeyFingerprint);
        Assert.Empty(pinned.Errors);
        Assert.Single(pinned.Output);

        var wrong = Connect("-KeyFile $args[3] -HostKeyFingerprint 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'", _server.KeyFile);
        Assert.Equal("SshHostKeyMismatch" + Cmd, Assert.Single(wrong.Errors).FullyQualifiedErrorId);
    }

    [Fact]
    public void AcceptNewHostKeyWritesKnownHostsAndIsTrustedNextTime()
    {
        var first = Connect("-KeyFile $args[3] -AcceptNewHostKey", _server.KeyFile);
        Assert.Empty(first.Errors);
        var line = Assert.Single(File.ReadAllLines(KnownHosts));
        Assert.Equal(_server.KnownHostsLine(), line.Trim());

        var second = Connect("-KeyFile $args[3]", _server.KeyFile);
        Assert.Empty(second.Errors);
        Assert.Single(File.ReadAllLines(KnownHosts));
    }

    [Fact]
    public void HashedKnownHostsEntriesAreRecognised()
    {
        File.WriteAllText(KnownHosts, "other.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\n" + _server.KnownHostsLine() + "\n");
        ExternalCommand.Run("ssh-keygen", new[] { "-H", "-f", KnownHosts });
        Assert.DoesNotContain("127.0.0.1", File.ReadAllText(KnownHosts), StringComparison.Ordinal);

        var result = Connect("-KeyFile $args[3]", _server.KeyFile);
        Assert.Empty(result.Errors);
    }

    [Fact]
    public void HostNamesAreLookedUpInLowerCaseAsSshDoes()
    {
        File.WriteAllText(KnownHosts, $"[localhost]:{_server.Port} {_server.HostPublicKey}\n");
        var result = _ps.Run("New-HydraSshSession -HostName LocalHost -Port $args[0] -UserName $args[1] -KnownHostsPath $args[2] -KeyFile $args[3]", _server.Port, SshServer.UserName, KnownHosts, _server.KeyFile);
        Assert.Empty(result.Errors);
    }

    [Fact]
    public void AChangedHostKeyIsAlwaysRefused()
    {
        var otherKey = Path.Combine(_folder, "other_host_key");
        ExternalCommand.Run("ssh-keygen", new[] { "-q", "-t", "ed25519", "-N", "", "-f", otherKey });
        var otherPublic = string.Join(' ', File.ReadAllText(otherKey + ".pub").Split(' ').Take(2));
        File.WriteAllText(KnownHosts, _server.KnownHostsLine(otherPublic) + "\n");

        foreach (var extra in new[] { "", "-AcceptNewHostKey" })
        {
            var result = Connect("-KeyFile $args[3] " + extra, _server.KeyFile);
            var error = Assert.Single(result.Errors);
            Assert.Equal("SshHostKeyChanged" + Cmd, error.FullyQualifiedErrorId);
            Assert.Contains("CHANGED", error.Exception.Message, StringComparison.Ordinal);
            Assert.Contains(_server.HostKeyFingerprint, error.Exception.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("key exchange", error.Exception.Message, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Single(File.ReadAllLines(KnownHosts));
    }

    [Fact]
    public void ARefusedPortAnUnknownHostAndASilentServerEachHaveTheirOwnError()
    {
        int closedPort;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            closedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var refused = _ps.Run("New-HydraSshSession 127.0.0.1 -Port $args[0] -KeyFile $args[1] -KnownHostsPath $args[2]", closedPort, _server.KeyFile, KnownHosts);
        Assert.Equal("SshConnectionRefused" + Cmd, Assert.Single(refused.Errors).FullyQualifiedErrorId);

        var unknown = _ps.Run("New-HydraSshSession no-such-host.invalid -KeyFile $args[0] -KnownHostsPath $args[1]", _server.KeyFile, KnownHosts);
        Assert.Equal("SshHostNotFound" + Cmd, Assert.Single(unknown.Errors).FullyQualifiedErrorId);

        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        using var accepted = silent.AcceptTcpClientAsync();
        var timedOut = _ps.Run("New-HydraSshSession 127.0.0.1 -Port $args[0] -KeyFile $args[1] -KnownHostsPath $args[2] -ConnectTimeout 1", ((IPEndPoint)silent.LocalEndpoint).Port, _server.KeyFile, KnownHosts);
        Assert.Equal("SshTimeout" + Cmd, Assert.Single(timedOut.Errors).FullyQualifiedErrorId);
    }
}
