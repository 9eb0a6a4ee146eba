using System;
using System.Diagnostics;
using System.IO;

namespace HydraMigration.Tests.Harness;

/// <summary>
/// One private sshd for the whole test run, started the first time a test asks for it (most
/// tests need none) and stopped at the end. A run that died earlier has its sshd stopped here.
/// </summary>
public sealed class SshFixture : IDisposable
{
    private const string RootFolder = "/tmp/hydra-tests";
    private readonly Lazy<SshServer> _server;
    private readonly string _folder;

    public SshFixture()
    {
        StopDeadRuns();
        _folder = Path.Combine(RootFolder, "ssh-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8]);
        _server = new Lazy<SshServer>(() => SshServer.Start(_folder));
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Dispose();
    }

    public SshServer Server => _server.Value;

    public void Dispose()
    {
        if (_server.IsValueCreated)
        {
            _server.Value.Dispose();
        }

        try
        {
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }

    private static void StopDeadRuns()
    {
        if (!Directory.Exists(RootFolder))
        {
            return;
        }

        foreach (var run in Directory.GetDirectories(RootFolder, "ssh-*"))
        {
            if (int.TryParse(Path.GetFileName(run).Split('-')[1], out var pid) && DeadRuns.IsAlive(pid))
            {
                continue;
            }

            SshServer.StopStale(run);
            try
            {
                Directory.Delete(run, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
