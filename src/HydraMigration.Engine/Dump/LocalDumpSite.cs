using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Infrastructure;
using HydraMigration.Storage;
using HydraMigration.Tools;

namespace HydraMigration.Dump;

/// <summary>pg_dump on this computer, the archive in a local path.</summary>
internal sealed class LocalDumpSite : IDumpSite
{
    private readonly IOperationReporter _reporter;

    public LocalDumpSite(IOperationReporter reporter) => _reporter = reporter;

    public IFileStore Files => LocalFileStore.Instance;

    public HydraSshSession? Session => null;

    public HydraConnection Reach(HydraConnection source) => source;

    // On a worker: the search starts candidates (pg_dump --version) while the snapshot is exported.
    public Task<PgTool> FindPgDumpAsync(int minimumMajor, string? binPath, CancellationToken cancellationToken) =>
        Task.Run(() => PgToolLocator.Find("pg_dump", minimumMajor, binPath), cancellationToken);

    public async Task<ToolResult> RunPgDumpAsync(PgTool pgDump, IReadOnlyList<string> arguments, string outputPath, HydraConnection source, Action<string> onErrorLine, CancellationToken cancellationToken)
    {
        using var privateFolder = new PrivateTempDirectory(_reporter);
        return await ToolProcess.RunAsync(pgDump.Path, arguments, LibpqEnvironment.For(source, privateFolder), onErrorLine, cancellationToken, outputIfAbandoned: outputPath).ConfigureAwait(false);
    }

    // On a worker: the dump reads the archive's table of contents meanwhile.
    public Task<ManifestArchive> HashAsync(string path, HydraDumpFormat format, CancellationToken cancellationToken) =>
        Task.Run(() => ArchiveHasher.Hash(path, format, cancellationToken), cancellationToken);

    public void Succeeded()
    {
    }

    public void Dispose()
    {
    }
}
