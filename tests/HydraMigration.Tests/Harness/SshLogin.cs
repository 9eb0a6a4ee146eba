using System.Globalization;
using System.IO;

namespace HydraMigration.Tests.Harness;

/// <summary>Opens sessions to the test sshd from a hosted PowerShell, trusting it through a private known_hosts file.</summary>
public static class SshLogin
{
    /// <summary>A known_hosts file in <paramref name="folder"/> that knows the test server's key.</summary>
    public static string KnownHosts(SshServer server, string folder)
    {
        var path = Path.Combine(folder, "known_hosts");
        File.WriteAllText(path, server.KnownHostsLine() + "\n");
        return path;
    }

    /// <summary>Sets $<paramref name="name"/> to a session logged in with the test user's key.</summary>
    public static void Open(PowerShellSession ps, string name, SshServer server, string folder)
    {
        var result = ps.Run(
            $"${name} = New-HydraSshSession -HostName 127.0.0.1 -Port $args[0] -UserName $args[1] -KeyFile $args[2] -KnownHostsPath $args[3]",
            server.Port, SshServer.UserName, server.KeyFile, KnownHosts(server, folder));
        Assert.Empty(result.Errors);
    }

    public static string Port(SshServer server) => server.Port.ToString(CultureInfo.InvariantCulture);
}
