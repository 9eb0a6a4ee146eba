using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Connections;
using HydraMigration.Dump;
using HydraMigration.Infrastructure;
using HydraMigration.Storage;
using HydraMigration.Tools;
using HydraMigration.Transfer;
using Renci.SshNet;

namespace HydraMigration.Ssh;

/// <summary>
/// pg_dump on an SSH host, next to the source database: the archive is written there, and the
/// module's own catalog queries and row counts reach the source through a port forward over the
/// same session, so they see it exactly as pg_dump does. The password goes to that host only on
/// standard input, into a passfile in a private (umask 077) temporary folder.
/// </summary>
/// <remarks>
/// pg_dump runs under <see cref="ChildGuard"/> in the same channel that made the folder: when the
/// channel closes — the dump finished, Ctrl+C closed its input, or the SSH link dropped — the
/// guard stops pg_dump's process group, removes the folder with the passfile, and removes the
/// unfinished archive unless pg_dump succeeded. Nothing on the host depends on this computer
/// staying connected. A guard killed outright leaves its folder, which the next remote dump by
/// the same user sweeps.
/// </remarks>
internal sealed class SshDumpSite : IDumpSite
{
    private const int FolderFailed = 70;
    private const int PassfileFailed = 71;
    private const string SweptMarker = "hydra-swept ";
    private const string FolderMarker = "hydra-folder ";

    /// <summary>
    /// Sweeps the private folders of earlier remote dumps whose guard is gone (their name holds
    /// the guard shell's pid: hydra-PID-XXXXXXXX, owned by this user), then makes this one's
    /// (umask 077) and reads the escaped password line. [ -O ] is not in POSIX test, but every
    /// sh that has mktemp has it (dash, busybox, bash, ksh).
    /// </summary>
    private const string SweepAndMakeFolder = @"hg_t=${TMPDIR:-/tmp}
for hg_o in ""$hg_t""/hydra-[0-9]*-*; do
  [ -d ""$hg_o"" ] && [ -O ""$hg_o"" ] || continue
  hg_p=${hg_o##*/hydra-}; hg_p=${hg_p%%-*}
  case $hg_p in ''|*[!0-9]*) continue;; esac
  kill -0 ""$hg_p"" 2>/dev/null && continue
  rm -rf -- ""$hg_o"" 2>/dev/null && printf '" + SweptMarker + @"%s\n' ""$hg_o""
done
hg_umask=$(umask)
umask 077
hg_d=$(mktemp -d ""$hg_t/hydra-$$-XXXXXXXX"") || exit 70
printf '" + FolderMarker + @"%s\n' ""$hg_d""
IFS= read -r hg_secret || { rm -rf -- ""$hg_d""; exit 70; }
";

    private readonly SftpLease _lease;
    private readonly IOperationReporter _reporter;

    private SshDumpSite(HydraSshSession session, SftpLease lease, IOperationReporter reporter)
    {
        _reporter = reporter;
        Session = session;
        _lease = lease;
        Files = new SftpFileStore(lease.Client, session.ToString());
    }

    public IFileStore Files { get; }

    public HydraSshSession Session { get; }

    HydraSshSession? IDumpSite.Session => Session;

    /// <summary>The session held for the dump, with an SFTP connection for the archive's files: one a copy or dump before kept, when there is one.</summary>
    public static async Task<SshDumpSite> OpenAsync(HydraSshSession session, IOperationReporter reporter, CancellationToken cancellationToken) =>
        new(session, await SftpLease.TakeAsync(session, cancellationToken).ConfigureAwait(false), reporter);

    /// <inheritdoc />
    public void Succeeded() => _lease.Succeeded();

    public HydraConnection Reach(HydraConnection source)
    {
        if (source.HostName.StartsWith("/", StringComparison.Ordinal))
        {
            throw new HydraException(HydraErrors.SshSourceNeedsTcp, string.Format(CultureInfo.InvariantCulture,
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
        var result = await RemoteShell.RunAsync(SshSessionConnection.Of(Session).Client, script, null, null, cancellationToken).ConfigureAwait(false);
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

    public async Task<ToolResult> RunPgDumpAsync(PgTool pgDump, IReadOnlyList<string> arguments, string outputPath, HydraConnection source, Action<string> onErrorLine, CancellationToken cancellationToken)
    {
        var password = source.GetPassword();
        var script = new StringBuilder(ChildGuard.Function);
        script.Append(SweepAndMakeFolder);
        foreach (var variable in LibpqEnvironment.ConnectionVariables(source, source.HostName, source.Port))
        {
            script.Append(variable.Value is null ? "unset " + variable.Key : "export " + variable.Key + "=" + RemoteShell.Quote(variable.Value)).Append('\n');
        }

        // The password arrives as the first line of standard input, never in the command. Where
        // a passfile line cannot hold it (a line break), it goes into pg_dump's environment only.
        script.Append("unset PGPASSWORD\n");
        if (password is not null)
        {
            script.Append(LibpqEnvironment.HasLineBreak(password)
                ? "PGPASSWORD=$(printf '%b' \"$hg_secret\"); export PGPASSWORD\n"
                : "printf '%b' \"$hg_secret\" > \"$hg_d/pgpass\" && export PGPASSFILE=\"$hg_d/pgpass\" || exit 71\n");
        }

        script.Append("hg_secret=\numask $hg_umask\n");
        script.Append("hydra_guard \"$hg_d\" ").Append(RemoteShell.Quote(outputPath)).Append(" '' ").Append(RemoteShell.Quote(pgDump.Path)).Append(' ').Append(RemoteShell.Join(arguments)).Append('\n');

        var firstLine = password is null ? string.Empty : Octal(LibpqEnvironment.HasLineBreak(password) ? password : LibpqEnvironment.PassfileLine(password).TrimEnd('\n'));
        var result = await RemoteShell.RunGuardedAsync(SshSessionConnection.Of(Session).Client, script.ToString(), firstLine, onErrorLine, OnOutputLine, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (result.ExitStatus is FolderFailed or PassfileFailed)
        {
            throw new HydraException(HydraErrors.RemoteTempFolderFailed, string.Format(CultureInfo.InvariantCulture,
                "Could not create a private temporary folder on the SSH host {0} (exit {1}): {2} Check that its temp folder (TMPDIR, or /tmp) exists and is writable.", Session, result.ExitStatus, result.Error.Trim()), Session);
        }

        return new ToolResult(result.ExitStatus, result.Output, result.Error);
    }

    public async Task<ManifestArchive> HashAsync(string path, HydraDumpFormat format, CancellationToken cancellationToken)
    {
        if (format != HydraDumpFormat.Directory)
        {
            return new ManifestArchive
            {
                SizeBytes = Files.FileLength(path),
                Sha256 = await RemoteHasher.ComputeAsync(SshSessionConnection.Of(Session), path, null, cancellationToken).ConfigureAwait(false),
            };
        }

        var hashes = await RemoteHasher.ComputeFolderAsync(SshSessionConnection.Of(Session), path, cancellationToken).ConfigureAwait(false);
        var files = Files.ListFilesRecursive(path).Select(f => new ManifestArchiveFile
        {
            Name = f.RelativePath,
            SizeBytes = f.Size,
            Sha256 = hashes.TryGetValue(f.RelativePath, out var hash) ? hash : throw new HydraException(HydraErrors.RemoteHashFailed, "The SSH host printed no SHA-256 for '" + f.RelativePath + "'.", path),
        }).ToList();
        return new ManifestArchive { SizeBytes = files.Sum(f => f.SizeBytes), Sha256 = ArchiveHasher.FolderHash(files), Files = files };
    }

    public void Dispose() => _lease.Dispose();

    /// <summary>
    /// The folder's protocol lines on standard output: folders swept, and the one made.
    /// </summary>
    private void OnOutputLine(string line)
    {
        if (line.StartsWith(SweptMarker, StringComparison.Ordinal))
        {
            _reporter.Warning(string.Format(CultureInfo.InvariantCulture,
                "Removed '{0}' on the SSH host {1}: a private folder (it may have held a password file) that an earlier remote dump left behind when its guard was killed.", line.Substring(SweptMarker.Length), Session));
        }
        else if (line.StartsWith(FolderMarker, StringComparison.Ordinal))
        {
            RemoteFolder = line.Substring(FolderMarker.Length);
        }
    }

    /// <summary>The private folder the running remote dump uses, once the host has named it.</summary>
    public string? RemoteFolder { get; private set; }

    /// <summary>Each byte as a printf %b octal escape: one line that holds any text, quotes and line breaks included.</summary>
    private static string Octal(string text)
    {
        var escaped = new StringBuilder();
        foreach (var b in new UTF8Encoding(false).GetBytes(text))
        {
            escaped.Append("\\0").Append(Convert.ToString(b, 8));
        }

        return escaped.ToString();
    }
}
