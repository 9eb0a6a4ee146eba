using System.IO;
using HydraMigration.Tests.Dump;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Ssh;

/// <summary>Stand-in archives for copy tests: random bytes with a manifest that records their hash.</summary>
internal static class RandomArchive
{
    /// <summary>An incompressible "archive" of <paramref name="mebibytes"/> MiB with a manifest that records its hash (owned by the SSH user on "the remote host").</summary>
    public static string Make(string folder, string name, int mebibytes)
    {
        var path = Path.Combine(folder, name);
        ExternalCommand.Run("sh", new[] { "-c", $"head -c {mebibytes}M /dev/urandom > '{path}'" });
        // Every field a manifest must have (Dump/ManifestSchema.cs): a partial one is refused when read.
        var manifest = $$"""{ "manifestVersion": 1, "createdBy": "test", "createdUtc": "2026-01-01T00:00:00Z", "archive": { "format": "Custom", "fileName": "{{name}}", "sizeBytes": {{new FileInfo(path).Length}}, "sha256": "{{DumpFiles.Sha256(path)}}", "files": [], "pgDumpVersion": "15" }, "source": { "host": "h", "port": 5432, "database": "d", "serverVersion": "15", "serverVersionNum": 150000, "encoding": "UTF8" }, "options": {}, "extensions": [], "tables": [], "databaseSettings": [], "roles": [] }""";
        File.WriteAllText(path + ".manifest.json", manifest);
        if (folder.Contains("/sshd/remote", System.StringComparison.Ordinal))
        {
            ExternalCommand.Run("chown", new[] { SshServer.UserName, path, path + ".manifest.json" });
        }

        return path;
    }
}
