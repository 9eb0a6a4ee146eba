using HydraMigration.Tests.Harness;

using System;

namespace HydraMigration.Tests.Ssh;

[Collection(PostgresCollection.Name)]
public sealed class SshServerSmokeTests(SshFixture ssh)
{
    [Fact]
    public void TheTestUserLogsInWithTheKey()
    {
        var server = ssh.Server;
        var output = ExternalCommand.Run("ssh", new[]
        {
            "-i", server.KeyFile, "-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            SshServer.UserName + "@127.0.0.1", "id -un; command -v sha256sum",
        });
        Assert.Contains(SshServer.UserName, output, StringComparison.Ordinal);
        Assert.Contains("sha256sum", output, StringComparison.Ordinal);
    }
}
