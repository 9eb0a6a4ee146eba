using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Connections;
using HydraMigration.Dump;
using HydraMigration.Storage;
using HydraMigration.Tools;
using HydraMigration.Transfer;
using Renci.SshNet;

namespace HydraMigration.Ssh;

/// <summary>
/// pg_dump on an SSH host, next to the source database: the archive is written there, and the
/// module's own catalog queries and row counts reach the source through a port forward over the
/// same session, so they see it exactly as pg_dump does. The password goes to that host only on
/// standard input, into a passfile in a private (umask 077) temporary folder removed afterwards.
/// </summary>
internal sealed class SshDumpSite : IDumpSite
{
    private readonly SftpClient _sftp;
    private readonly IDisposable _hold;

    private SshDumpSite(HydraSshSession session, IDisposable hold, SftpClient sftp)
    {
        Session = session;
        _hold = hold;
        _sftp = sftp;
        Files = new SftpFileStore(sftp, session.ToString());
    }

    public IFileStore Files { get; }

    public HydraSshSession Session { get; }

    HydraSshSession? IDumpSite.Session => Session;

    public static async Task<SshDumpSite> OpenAsync(HydraSshSession session, CancellationToken cancellationToken)
    {
        var hold = await session.UseAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return new SshDumpSite(session, hold, await session.OpenSftpAsync(cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            hold.Dispose();
            throw;
        }
    }

    public HydraConnection Reach(HydraConnection source)
    {
        if (source.HostName.StartsWith("/", StringComparison.Ordinal))
        {
            throw new HydraException("SshSourceNeedsTcp", System.Management.Automation.ErrorCategory.InvalidArgument, string.Format(CultureInfo.InvariantCulture,
                "With -SshSession the source must be a TCP host and port as the SSH host sees it (for example localhost:{0}), not the socket folder '{1}': the manifest's queries reach it through a port forward.", source.Port, source.HostName), source);
        }

        return HydraConnectionFactory.Through(source, Session);
    }

    public async Task<PgTool> FindPgDumpAsync(int minimumMajor, string? binPath, CancellationToken cancellationToken)
    {
        var candidates = string.IsNullOrEmpty(binPath)
            ? "\"$(command -v pg_dump)\" /usr/lib/postgresql/*/bin/pg_dump /usr/pgsql-*/bin/pg_dump /usr/local/pgsql/bin/pg_dump /opt/homebrew/opt/postgresql*/bin/pg_dump /usr/local/opt/postgresql*/bin/pg_dump /usr/local/bin/pg_dump /usr/bin/pg_dump"
            : RemoteShell.Quote(binPath!.TrimEnd('/') + "/pg_dump");
        var script = "for p in " + candidates + "; do if [ -x \"$p\" ] && [ -f \"$p\" ]; then printf '%s\\t%s\\n' \"$p\" \"$(\"$p\" --version 2>/dev/null | head -n 1)\"; fi; done; exit 0";
        var result = await RemoteShell.RunAsync(Session.Client, script, null, null, cancellationToken).ConfigureAwait(false);
        var found = result.Output.Split('\n')
            .Select(line => line.Split('\t'))
            .Where(parts => parts.Length == 2)
            .GroupBy(parts => parts[0], StringComparer.Ordinal)
            .Select(group => PgToolLocator.FromVersionOutput("pg_dump", group.Key, group.First()[1]))
            .Where(tool => tool is not null)
            .Select(tool => tool!)
            .ToList();
        var searched = string.IsNullOrEmpty(binPath)
            ? new[] { "PATH", "/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/usr/local/pgsql/bin", "Homebrew", "/usr/local/bin", "/usr/bin" }
            : new[] { binPath! };
        return PgToolLocator.Choose("pg_dump", minimumMajor, found, searched, binPath, "the SSH host " + Session);
    }

    public async Task<ToolResult> RunPgDumpAsync(PgTool pgDump, IReadOnlyList<string> arguments, HydraConnection source, Action<string> onErrorLine, CancellationToken cancellationToken)
    {
        var folder = await CreatePrivateFolderAsync(source, cancellationToken).ConfigureAwait(false);
        try
        {
            var script = new StringBuilder("echo $$; ");
            foreach (var variable in LibpqEnvironment.ConnectionVariables(source, source.HostName, source.Port))
            {
                script.Append(variable.Value is null ? "unset " + variable.Key : "export " + variable.Key + "=" + RemoteShell.Quote(variable.Value)).Append("; ");
            }

            script.Append("unset PGPASSWORD; ");
            if (source.GetPassword() is { } password)
            {
                script.Append(LibpqEnvironment.HasLineBreak(password)
                    ? "PGPASSWORD=\"$(cat " + RemoteShell.Quote(folder + "/password") + ")\"; export PGPASSWORD; "
                    : "export PGPASSFILE=" + RemoteShell.Quote(folder + "/pgpass") + "; ");
            }

            script.Append(RemoteShell.Quote(pgDump.Path)).Append(' ').Append(RemoteShell.Join(arguments));

            // pg_dump and its workers share the shell's process group (sshd made the shell a
            // session leader): on Ctrl+C the whole group is stopped from a second channel.
            var processGroup = 0;
            using var stop = cancellationToken.Register(() => _ = StopProcessGroupAsync(processGroup));
            var result = await RemoteShell.RunAsync(
                Session.Client,
                script.ToString(),
                null,
                onErrorLine,
                CancellationToken.None,
                line =>
                {
                    if (processGroup == 0 && int.TryParse(line.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                    {
                        processGroup = pid;
                        if (cancellationToken.IsCancellationRequested)
                        {
                            _ = StopProcessGroupAsync(pid);
                        }
                    }
                }).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return new ToolResult(result.ExitStatus, result.Output, result.Error);
        }
        finally
        {
            await RemoveQuietlyAsync(folder).ConfigureAwait(false);
        }
    }

    public async Task<ManifestArchive> HashAsync(string path, HydraDumpFormat format, CancellationToken cancellationToken)
    {
        if (format != HydraDumpFormat.Directory)
        {
            return new ManifestArchive
            {
                SizeBytes = Files.FileLength(path),
                Sha256 = await RemoteHasher.ComputeAsync(Session, path, null, cancellationToken).ConfigureAwait(false),
            };
        }

        var hashes = await RemoteHasher.ComputeFolderAsync(Session, path, cancellationToken).ConfigureAwait(false);
        var files = Files.ListFilesRecursive(path).Select(f => new ManifestArchiveFile
        {
            Name = f.RelativePath,
            SizeBytes = f.Size,
            Sha256 = hashes.TryGetValue(f.RelativePath, out var hash) ? hash : throw new HydraException("RemoteHashFailed", System.Management.Automation.ErrorCategory.ReadError, "The SSH host printed no SHA-256 for '" + f.RelativePath + "'.", path),
        }).ToList();
        return new ManifestArchive { SizeBytes = files.Sum(f => f.SizeBytes), Sha256 = ArchiveHasher.FolderHash(files), Files = files };
    }

    public void Dispose()
    {
        try
        {
            _sftp.Dispose();
        }
        finally
        {
            _hold.Dispose();
        }
    }

    /// <summary>A 0700 folder on the SSH host holding the passfile, which arrives on standard input only.</summary>
    private async Task<string> CreatePrivateFolderAsync(HydraConnection source, CancellationToken cancellationToken)
    {
        var password = source.GetPassword();
        var script = "umask 077 && d=$(mktemp -d \"${TMPDIR:-/tmp}/hydra-XXXXXXXX\") && " +
            (password is null ? "" : LibpqEnvironment.HasLineBreak(password) ? "cat > \"$d/password\" && " : "cat > \"$d/pgpass\" && ") +
            "printf '%s\\n' \"$d\"";
        var input = password is null ? null : LibpqEnvironment.HasLineBreak(password) ? password : LibpqEnvironment.PassfileLine(password);
        // Not cancellable: a Ctrl+C between writing the passfile and learning the folder's name
        // would leave the password on the host with nobody to remove it. The command is short.
        var result = await RemoteShell.RunAsync(Session.Client, script, input, null, CancellationToken.None).ConfigureAwait(false);
        var folder = result.Output.Trim();
        if (result.ExitStatus != 0 || !folder.StartsWith("/", StringComparison.Ordinal))
        {
            throw new HydraException("RemoteTempFolderFailed", System.Management.Automation.ErrorCategory.WriteError, string.Format(CultureInfo.InvariantCulture,
                "Could not create a private temporary folder on the SSH host {0} (exit {1}): {2}", Session, result.ExitStatus, result.Error.Trim()), Session);
        }

        return folder;
    }

    private async Task StopProcessGroupAsync(int processGroup)
    {
        if (processGroup <= 0)
        {
            return;
        }

        try
        {
            var group = processGroup.ToString(CultureInfo.InvariantCulture);
            // "kill -SIG -pgid", not "kill -SIG -- -pgid": dash's built-in kill refuses "--".
            await RemoteShell.RunAsync(Session.Client, "kill -TERM -" + group + " 2>/dev/null || kill -TERM " + group + "; sleep 2; kill -KILL -" + group + " 2>/dev/null; exit 0", null, null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Renci.SshNet.Common.SshException or ObjectDisposedException or InvalidOperationException)
        {
            // The connection is gone, and sshd ends the session's processes with it.
        }
    }

    private async Task RemoveQuietlyAsync(string folder)
    {
        try
        {
            await RemoteShell.RunAsync(Session.Client, "rm -rf -- " + RemoteShell.Quote(folder), null, null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Renci.SshNet.Common.SshException or ObjectDisposedException or InvalidOperationException)
        {
            // Best effort: the folder is private to the SSH user.
        }
    }
}
