using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Threading;

namespace HydraMigration.Tests.Harness;

/// <summary>
/// A private OpenSSH server on 127.0.0.1 and a free port: its own config, a fresh ed25519 host
/// key, no PAM, and one test user who logs in with a password or an authorized key. The user is
/// a real system account (created once, its password changed every run), so the remote side runs
/// pg_dump, sha256sum and sftp-server as someone other than the test process. Needs root.
/// </summary>
public sealed class SshServer : IDisposable
{
    public const string UserName = "hydra_ssh_test";
    private const string Daemon = "/usr/sbin/sshd";

    private readonly Process _daemon;

    private SshServer(string folder, int port, string password, Process daemon)
    {
        Folder = folder;
        Port = port;
        Password = password;
        _daemon = daemon;
    }

    public string Folder { get; }

    public int Port { get; }

    public string Password { get; }

    /// <summary>The test user's private key (OpenSSH format, no passphrase).</summary>
    public string KeyFile => Path.Combine(Folder, "client_ed25519");

    /// <summary>The same key as an encrypted PEM file; its passphrase is <see cref="KeyPassphrase"/>.</summary>
    public string EncryptedPemKeyFile => Path.Combine(Folder, "client_rsa.pem");

    public const string KeyPassphrase = "pass phrase 'with' quotes";

    public string HostKeyFile => Path.Combine(Folder, "ssh_host_ed25519_key");

    /// <summary>A folder the test user owns, for archives made or uploaded on "the remote host".</summary>
    public string RemoteFolder => Path.Combine(Folder, "remote");

    /// <summary>A new, empty folder on "the remote host", owned by the test user.</summary>
    public string NewRemoteFolder(string stem)
    {
        var folder = Path.Combine(RemoteFolder, stem + "-" + Guid.NewGuid().ToString("N")[..6]);
        ExternalCommand.Run("runuser", new[] { "-u", UserName, "--", "mkdir", folder });
        return folder;
    }

    /// <summary>The host key's type and key ("ssh-ed25519 AAAA…"), without the comment.</summary>
    public string HostPublicKey => string.Join(' ', File.ReadAllText(HostKeyFile + ".pub").Trim().Split(' ').Take(2));

    /// <summary>The host key's SHA256 fingerprint as OpenSSH prints it ("SHA256:…").</summary>
    public string HostKeyFingerprint =>
        ExternalCommand.Run("ssh-keygen", new[] { "-l", "-E", "sha256", "-f", HostKeyFile + ".pub" }).Split(' ')[1];

    public static SshServer Start(string parentFolder)
    {
        if (!ExternalCommand.IsRoot)
        {
            throw new InvalidOperationException("The SSH tests start a private sshd and create a test user: run them as root.");
        }

        if (!File.Exists(Daemon))
        {
            throw new InvalidOperationException(Daemon + " is missing: install openssh-server (.ci/run does).");
        }

        var folder = Path.Combine(parentFolder, "sshd");
        Directory.CreateDirectory(folder);
        EnsureUser();
        var password = MachinePassword();
        ExternalCommand.Run("chpasswd", Array.Empty<string>(), stdin: UserName + ":" + password + "\n");

        ExternalCommand.Run("ssh-keygen", new[] { "-q", "-t", "ed25519", "-N", "", "-C", "hydra test host", "-f", Path.Combine(folder, "ssh_host_ed25519_key") });
        ExternalCommand.Run("ssh-keygen", new[] { "-q", "-t", "ed25519", "-N", "", "-C", "hydra test client", "-f", Path.Combine(folder, "client_ed25519") });
        ExternalCommand.Run("ssh-keygen", new[] { "-q", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", KeyPassphrase, "-C", "hydra test pem", "-f", Path.Combine(folder, "client_rsa.pem") });
        var authorized = Path.Combine(folder, "authorized_keys");
        File.WriteAllText(authorized, File.ReadAllText(Path.Combine(folder, "client_ed25519.pub")) + File.ReadAllText(Path.Combine(folder, "client_rsa.pem.pub")));

        var remote = Path.Combine(folder, "remote");
        Directory.CreateDirectory(remote);
        ExternalCommand.Run("chown", new[] { UserName, remote });
        ExternalCommand.Run("chmod", new[] { "755", folder });

        // sshd's privilege separation needs this folder; a fresh container may not have it.
        Directory.CreateDirectory("/run/sshd");
        var port = FreePort();
        var config = Path.Combine(folder, "sshd_config");
        File.WriteAllText(config, $@"Port {port}
ListenAddress 127.0.0.1
HostKey {Path.Combine(folder, "ssh_host_ed25519_key")}
PidFile {Path.Combine(folder, "sshd.pid")}
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile {authorized}
StrictModes no
AllowUsers {UserName}
PermitRootLogin no
AllowTcpForwarding yes
MaxSessions 30
MaxStartups 30:30:60
LogLevel DEBUG1
Subsystem sftp internal-sftp
");
        var info = new ProcessStartInfo(Daemon) { UseShellExecute = false };
        foreach (var argument in new[] { "-D", "-f", config, "-E", Path.Combine(folder, "sshd.log") })
        {
            info.ArgumentList.Add(argument);
        }

        var daemon = Process.Start(info)!;
        var server = new SshServer(folder, port, password, daemon);
        if (!Poll.Until(() => daemon.HasExited || Listening(port)) || daemon.HasExited)
        {
            throw new InvalidOperationException("sshd did not start: " + File.ReadAllText(Path.Combine(folder, "sshd.log")));
        }

        return server;
    }

    /// <summary>A known_hosts line for this server as OpenSSH writes it for a non-default port.</summary>
    public string KnownHostsLine(string? publicKey = null) => $"[127.0.0.1]:{Port} {publicKey ?? HostPublicKey}";

    /// <summary>
    /// Drops every SSH connection to this server at once, as a network failure would: kills this
    /// daemon's per-connection processes and everything under them (the unprivileged child holds
    /// the socket), not other servers' sessions.
    /// </summary>
    public void KillSessions() => SignalSessions("-KILL");

    /// <summary>
    /// Freezes every connection (SIGSTOP to the same processes): the sockets stay open and
    /// nothing answers, as when a peer vanishes without a reset. KillSessions ends them after
    /// (a stopped process still dies of SIGKILL).
    /// </summary>
    public void PauseSessions() => SignalSessions("-STOP");

    /// <summary>
    /// Cuts every link as a network failure does, and nothing else: SIGKILL to this daemon's
    /// per-connection sshd processes only. What they ran (the remote shells) lives on and sees its
    /// channel close, as on a real host.
    /// </summary>
    public void DropLinks() => SignalSessions("-KILL", sshdOnly: true);

    /// <summary>
    /// What a failure message needs to tell which connection lived on: each process's id, age in
    /// seconds and command line, with what runs under it.
    /// </summary>
    public static string Describe(IEnumerable<string> processes) =>
        string.Join("; ", processes.Select(process =>
        {
            var tree = Descendants(process).Prepend(process);
            var ps = ExternalCommand.Run("ps", new[] { "-o", "pid=,etimes=,args=", "-p", string.Join(",", tree) }, check: false);
            return string.Join(" | ", ps.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }));

    /// <summary>The per-connection sshd processes now (sshd forks one per SSH connection), by process id.</summary>
    public IReadOnlySet<string> ConnectionProcesses() =>
        ExternalCommand.Run("pgrep", new[] { "-P", _daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, check: false)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();

    /// <summary>Drops one SSH connection as a network failure would: SIGKILL to its sshd process (from <see cref="ConnectionProcesses"/>) and everything under it.</summary>
    public void KillConnection(string process)
    {
        if (!ConnectionProcesses().Contains(process))
        {
            throw new ArgumentException(process + " is not one of this server's connections.", nameof(process));
        }

        var doomed = Descendants(process).Prepend(process).ToList();
        ExternalCommand.Run("kill", new[] { "-KILL" }.Concat(doomed), check: false);
    }

    private static List<string> Descendants(string root)
    {
        var found = new List<string>();
        var parents = new Queue<string>(new[] { root });
        while (parents.Count > 0)
        {
            foreach (var child in ExternalCommand.Run("pgrep", new[] { "-P", parents.Dequeue() }, check: false).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                found.Add(child);
                parents.Enqueue(child);
            }
        }

        return found;
    }

    private void SignalSessions(string signal, bool sshdOnly = false)
    {
        var doomed = Descendants(_daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (sshdOnly)
        {
            doomed = doomed.Where(pid => File.Exists("/proc/" + pid + "/comm") && ReadComm(pid).StartsWith("sshd", StringComparison.Ordinal)).ToList();
        }

        if (doomed.Count > 0)
        {
            ExternalCommand.Run("kill", new[] { signal }.Concat(doomed), check: false);
        }
    }

    private static string ReadComm(string pid)
    {
        try
        {
            return File.ReadAllText("/proc/" + pid + "/comm").Trim();
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    /// <summary>Connections open now: sshd forks one child per connection.</summary>
    public int OpenConnections() =>
        ExternalCommand.Run("pgrep", new[] { "-P", _daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, check: false)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    /// <summary>Logins the server accepted so far.</summary>
    public int Logins() => Log.Split('\n').Count(l => l.Contains("Accepted ", StringComparison.Ordinal) && l.Contains(" for " + UserName + " ", StringComparison.Ordinal));

    public string Log => File.Exists(Path.Combine(Folder, "sshd.log")) ? File.ReadAllText(Path.Combine(Folder, "sshd.log")) : "";

    public void Dispose()
    {
        try
        {
            if (!_daemon.HasExited)
            {
                KillSessions();
                _daemon.Kill();
                _daemon.WaitForExit(10000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _daemon.Dispose();
    }

    /// <summary>Stops the sshd of a test run that died without cleaning up.</summary>
    public static void StopStale(string runFolder)
    {
        var pidFile = Path.Combine(runFolder, "sshd", "sshd.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
        {
            ExternalCommand.Run("kill", new[] { pid.ToString(System.Globalization.CultureInfo.InvariantCulture) }, check: false);
        }
    }

    /// <summary>
    /// The test user's password: random, made once per machine and kept in a root-only file, so
    /// test runs and benchmarks running side by side do not change it under each other.
    /// </summary>
    private static string MachinePassword()
    {
        const string file = "/var/lib/hydra-tests/ssh-password";
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        ExternalCommand.Run("chmod", new[] { "700", Path.GetDirectoryName(file)! });
        if (!File.Exists(file))
        {
            var fresh = "Ssh-" + Guid.NewGuid().ToString("N")[..16] + "'\"$x";
            using (File.Create(file))
            {
            }

            ExternalCommand.Run("chmod", new[] { "600", file });
            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Write, FileShare.None);
                if (stream.Length == 0)
                {
                    var bytes = System.Text.Encoding.UTF8.GetBytes(fresh);
                    stream.Write(bytes, 0, bytes.Length);
                }
            }
            catch (IOException)
            {
                // Another run is writing it at this moment; read what it wrote.
                Thread.Sleep(200);
            }
        }

        return File.ReadAllText(file);
    }

    private static void EnsureUser()
    {
        if (File.ReadLines("/etc/passwd").Any(line => line.StartsWith(UserName + ":", StringComparison.Ordinal)))
        {
            return;
        }

        ExternalCommand.Run("useradd", new[] { "--create-home", "--shell", "/bin/sh", UserName }, check: false);
        ExternalCommand.Run("id", new[] { "-u", UserName });
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(System.Net.IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            Thread.Sleep(50);
            return false;
        }
    }
}
