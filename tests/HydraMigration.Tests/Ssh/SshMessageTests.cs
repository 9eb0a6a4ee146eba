using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Ssh;

/// <summary>SSH mistakes a user makes, each reported with its own id and a message that says what to do, in the user's terms.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SshMessageTests : IDisposable
{
    private readonly PostgresFixture _pg;
    private readonly SshServer _server;
    private readonly PowerShellSession _ps = new();
    private readonly string _folder;

    public SshMessageTests(PostgresFixture pg, SshFixture ssh)
    {
        _pg = pg;
        _server = ssh.Server;
        _folder = pg.NewFolder("ssh-messages");
    }

    public void Dispose()
    {
        _ps.Run("Get-HydraSshSession | Remove-HydraSshSession");
        _ps.Dispose();
    }

    [Fact]
    public void AMalformedPinnedFingerprintIsSaidToBeMalformedWithTheFormSshPrints()
    {
        var kept = _ps.Run("New-HydraSshSession -HostName 127.0.0.1 -Port $args[0] -UserName $args[1] -KeyFile $args[2] -HostKeyFingerprint garbage", _server.Port, SshServer.UserName, _server.KeyFile);
        var error = Assert.Single(kept.Errors);
        Assert.Equal("SshHostKeyFingerprintInvalid,HydraMigration.Commands.NewHydraSshSessionCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains("-HostKeyFingerprint 'garbage' is not a host key fingerprint", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("'SHA256:' and 43 base64 characters", error.Exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not the one pinned", error.Exception.Message, StringComparison.Ordinal);

        // Inline, the message names the inline parameter.
        var source = RandomArchive.Make(_folder, "x.dump", 1);
        var inline = _ps.Run("Copy-HydraDump -Path $args[0] -ToSshHostName 127.0.0.1 -SshPort $args[1] -SshUserName $args[2] -SshKeyFile $args[3] -SshHostKeyFingerprint 'SHA256:tooShort' -Destination /tmp/",
            source, _server.Port, SshServer.UserName, _server.KeyFile);
        var inlineError = Assert.Single(inline.Errors);
        Assert.Equal("SshHostKeyFingerprintInvalid,HydraMigration.Commands.CopyHydraDumpCommand", inlineError.FullyQualifiedErrorId);
        Assert.StartsWith("-SshHostKeyFingerprint 'SHA256:tooShort'", inlineError.Exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("openssh")]
    [InlineData("pem")]
    public void AWrongKeyPassphraseIsSaidToBeWrong(string format)
    {
        var key = Path.Combine(_folder, "encrypted-" + format);
        ExternalCommand.Run("ssh-keygen", format == "pem"
            ? new[] { "-q", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "right phrase", "-f", key }
            : new[] { "-q", "-t", "ed25519", "-N", "right phrase", "-f", key });
        _ps.Set("phrase", Credentials.Of("x", "wrong phrase").Password);
        var result = _ps.Run("New-HydraSshSession -HostName 127.0.0.1 -Port $args[0] -UserName $args[1] -KeyFile $args[2] -KeyPassphrase $phrase -KnownHostsPath $args[3]",
            _server.Port, SshServer.UserName, key, SshLogin.KnownHosts(_server, _folder));

        var error = Assert.Single(result.Errors);
        Assert.Equal("SshKeyPassphraseWrong,HydraMigration.Commands.NewHydraSshSessionCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.Contains("The passphrase given with -KeyPassphrase does not decrypt the key file '" + key + "'", error.Exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("check bytes", error.Exception.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("wrong phrase", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void APerCallLoginThatFailsNamesTheInlineParameters()
    {
        _ps.Set("sshCred", Credentials.Of(SshServer.UserName, "not the password"));
        var source = RandomArchive.Make(_folder, "y.dump", 1);
        var result = _ps.Run("Copy-HydraDump -Path $args[0] -ToSshHostName 127.0.0.1 -SshPort $args[1] -SshCredential $sshCred -SshKnownHostsPath $args[2] -Destination /tmp/",
            source, _server.Port, SshLogin.KnownHosts(_server, _folder));

        var error = Assert.Single(result.Errors);
        Assert.Equal("SshAuthenticationFailed,HydraMigration.Commands.CopyHydraDumpCommand", error.FullyQualifiedErrorId);
        Assert.Contains("Check -SshCredential / -SshKeyFile", error.Exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(" -Credential", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AServerTheSshHostCannotReachIsSaidSoNamingTheAddressAsItSeesIt()
    {
        SshLogin.Open(_ps, "s", _server, _folder);
        _ps.Set("cred", Credentials.Of(PostgresCluster.SuperUser, _pg.Source.SuperPassword));
        var closed = ClosedPort();
        var result = _ps.Run("$src = New-HydraConnection -HostName 127.0.0.1 -Port $args[0] -Database x -Credential $cred -SshTunnel $s; New-HydraDump -Connection $src -Path $args[1]",
            closed, Path.Combine(_folder, "never.dump"));

        var error = Assert.Single(result.Errors);
        Assert.Equal("ServerUnreachableFromSshHost,HydraMigration.Commands.NewHydraDumpCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.Contains("cannot reach the PostgreSQL server at 127.0.0.1:" + closed.ToString(CultureInfo.InvariantCulture), error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains(SshServer.UserName + "@127.0.0.1:" + SshLogin.Port(_server), error.Exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("end of the stream", error.Exception.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, "never.dump")));
    }

    /// <summary>A loopback port nothing listens on (just released by the kernel).</summary>
    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
