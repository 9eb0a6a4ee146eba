using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Storage;
using HydraMigration.Tools;

namespace HydraMigration.Dump;

/// <summary>
/// Where pg_dump runs and the archive is written: this computer, or an SSH host next to the
/// source database (the archive then stays there until Copy-HydraDump fetches it). The dump's
/// logic — snapshot, manifest, temporary names, commit — is the same for both.
/// </summary>
internal interface IDumpSite : IDisposable
{
    /// <summary>The archive's file system.</summary>
    IFileStore Files { get; }

    /// <summary>The session the archive lives on; null for this computer.</summary>
    HydraSshSession? Session { get; }

    /// <summary>The source as the module's own connections reach it from here (through the session for an SSH site).</summary>
    HydraConnection Reach(HydraConnection source);

    Task<PgTool> FindPgDumpAsync(int minimumMajor, string? binPath, CancellationToken cancellationToken);

    /// <summary>
    /// Runs pg_dump with the password in a private passfile; stderr lines go to <paramref name="onErrorLine"/>.
    /// <paramref name="outputPath"/> is the unfinished archive pg_dump writes, removed where it
    /// runs if the module's side goes away (its process killed, the SSH link dropped) mid-dump.
    /// </summary>
    Task<ToolResult> RunPgDumpAsync(PgTool pgDump, IReadOnlyList<string> arguments, string outputPath, HydraConnection source, Action<string> onErrorLine, CancellationToken cancellationToken);

    /// <summary>SHA-256 and sizes of the finished archive (a file, or every file of a folder).</summary>
    Task<ManifestArchive> HashAsync(string path, HydraDumpFormat format, CancellationToken cancellationToken);

    /// <summary>The dump is committed: what the site holds may serve the next one (an SSH site's SFTP connection is kept).</summary>
    void Succeeded();
}
