using System.Management.Automation;
using System.Security;

namespace HydraMigration.Tests.Harness;

public static class Credentials
{
    public static PSCredential Of(string user, string password)
    {
        var secure = new SecureString();
        foreach (var c in password)
        {
            secure.AppendChar(c);
        }

        return new PSCredential(user, secure);
    }

    /// <summary>Sets $name in the session to a HydraConnection for <paramref name="database"/> on <paramref name="cluster"/>, as the superuser.</summary>
    public static void Connect(PowerShellSession ps, string name, PostgresCluster cluster, string database, string? user = null, string? password = null)
    {
        ps.Set(name + "Cred", Of(user ?? PostgresCluster.SuperUser, password ?? cluster.SuperPassword));
        var result = ps.Run($"${name} = New-HydraConnection -HostName 127.0.0.1 -Port $args[0] -Database $args[1] -Credential ${name}Cred", cluster.Port, database);
        Assert.Empty(result.Errors);
    }
}
