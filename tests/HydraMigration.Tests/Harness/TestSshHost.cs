using System;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Transfer;
using Renci.SshNet;

namespace HydraMigration.Tests.Harness;

/// <summary>
/// The transfer engine's view of an SSH session, built on SSH.NET clients for the test sshd:
/// key authentication, the host key pinned to the server's fingerprint, the fast algorithms
/// preferred. The session cmdlets have their own; this one serves the engine's tests and the
/// copy benchmark.
/// </summary>
internal sealed class TestSshHost : ISshHost, IDisposable
{
    private readonly int _port;
    private readonly string _keyFile;
    private readonly string _fingerprint;
    private readonly object _lock = new();
    private SshClient? _ssh;

    public TestSshHost(SshServer server)
        : this(server.Port, server.KeyFile, server.HostKeyFingerprint)
    {
    }

    /// <summary>For a process that did not start the server (the benchmark's copy worker).</summary>
    public TestSshHost(int port, string keyFile, string hostKeyFingerprint)
    {
        _port = port;
        _keyFile = keyFile;
        _fingerprint = hostKeyFingerprint.StartsWith("SHA256:", StringComparison.Ordinal) ? hostKeyFingerprint["SHA256:".Length..] : hostKeyFingerprint;
    }

    public SftpClient OpenSftp(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Connected(new SftpClient(Connection()));
    }

    /// <summary>Closes it: the engine's tests open their connections afresh (the session cmdlets' host keeps them).</summary>
    public void KeepSftp(SftpClient client) => client.Dispose();

    public async Task<RemoteCommandResult> RunAsync(string command, CancellationToken cancellationToken)
    {
        using var ssh = Ssh().CreateCommand(command);
        await ssh.ExecuteAsync(cancellationToken);
        return new RemoteCommandResult(ssh.ExitStatus ?? -1, ssh.Result, ssh.Error);
    }

    public SshCommand CreateCommand(string command) => Ssh().CreateCommand(command);

    public void Dispose()
    {
        lock (_lock)
        {
            _ssh?.Dispose();
        }
    }

    /// <summary>The command connection, connected again when it dropped (a test kills sessions; the server may drop an idle one).</summary>
    private SshClient Ssh()
    {
        lock (_lock)
        {
            if (_ssh is null || !_ssh.IsConnected)
            {
                _ssh?.Dispose();
                _ssh = Connected(new SshClient(Connection()));
            }

            return _ssh;
        }
    }

    private ConnectionInfo Connection()
    {
        var info = new ConnectionInfo("127.0.0.1", _port, SshServer.UserName, new PrivateKeyAuthenticationMethod(SshServer.UserName, new PrivateKeyFile(_keyFile)));
        SshAlgorithms.PreferFastest(info);
        return info;
    }

    private T Connected<T>(T client)
        where T : BaseClient
    {
        client.HostKeyReceived += (_, e) => e.CanTrust = e.FingerPrintSHA256 == _fingerprint;
        try
        {
            client.Connect();
        }
        catch
        {
            client.Dispose();
            throw;
        }

        return client;
    }
}
