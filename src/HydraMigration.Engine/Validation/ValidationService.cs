using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using HydraMigration.Infrastructure;

namespace HydraMigration.Validation;

/// <summary>
/// Test-HydraMigration's work: reads both sides' catalogs (the source's from a live server or
/// from the dump's manifest), compares them, then compares rows table by table over bounded
/// connection pools on both servers at once. Differences are results, not errors; only a
/// server that cannot be reached or queried, or a manifest of another database, is an error.
/// </summary>
internal sealed class ValidationService
{
    private readonly IOperationReporter _reporter;

    public ValidationService(IOperationReporter reporter) => _reporter = reporter;

    public async Task<List<HydraValidationResult>> RunAsync(ValidationRequest request, CancellationToken cancellationToken)
    {
        var manifest = request.Source is null ? request.Manifest : null;
        if (request.Source is null && manifest is null)
        {
            throw new HydraException(HydraErrors.ValidationSourceMissing, "Nothing to compare the target with: give -Source (a live source), -Manifest (a dump's manifest), or pipe a HydraDump or HydraRestoreResult in.", request.Target);
        }

        var results = new ValidationResults();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var target = new ConnectionPool(request.Target, request.ThrottleLimit);
        await using var source = request.Source is null ? null : new ConnectionPool(request.Source, request.ThrottleLimit);

        _reporter.Progress(new OperationProgress("Reading the catalogs", -1));
        var targetRead = target.RunAsync(c => new CatalogSnapshotReader(c).ReadAsync(cancellationToken), cancellationToken);
        var sourceRead = source?.RunAsync(c => new CatalogSnapshotReader(c).ReadAsync(cancellationToken), cancellationToken);
        var targetSnapshot = await targetRead.ConfigureAwait(false);
        var sourceSnapshot = sourceRead is not null ? await sourceRead.ConfigureAwait(false) : manifest!.Catalog ?? FromManifestTables(manifest!);
        var definitionsKnown = manifest?.Catalog is not null || manifest is null;
        if (manifest is not null)
        {
            EnsureManifestBelongsTo(manifest, targetSnapshot, request.Target);
        }

        _reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Catalogs read after {0:0.000} s: {1} table(s) on the source side, {2} on the target.", clock.Elapsed.TotalSeconds, sourceSnapshot.Tables.Count, targetSnapshot.Tables.Count));
        var scope = new ValidationScope(request.Schemas, request.Tables, request.ExcludeTables);
        var sourceInScope = scope.Apply(sourceSnapshot);
        var targetInScope = scope.Apply(targetSnapshot);
        if ((request.Tables.Count > 0 || request.ExcludeTables.Count > 0 || request.Schemas.Count > 0) && sourceInScope.Tables.Count == 0)
        {
            var message = "The -Schema/-Table/-ExcludeTable filters match no table of the source: no table was validated. Check the names (wildcards match 'name' or 'schema.name').";
            _reporter.Warning(message);
            results.Add(HydraValidationCategory.Scope, string.Empty, "(filters)", "Matches", null, null, HydraValidationStatus.Warning, message);
        }

        // A filtered dump holds part of the database by design: what else the target has is no difference.
        var reportTargetExtras = !scope.IsFiltered && (manifest is null || !IsFilteredDump(manifest.Options));
        var compareOwners = !request.NoOwner && (manifest is null || !manifest.Options.NoOwner);
        new CatalogComparer(results, request.Categories, reportTargetExtras).Compare(sourceInScope, targetInScope, definitionsKnown, compareOwners);
        if (request.Categories.Contains(HydraValidationCategory.Database))
        {
            await CompareDatabaseAsync(request, manifest, sourceSnapshot, targetSnapshot, target, compareOwners, results, cancellationToken).ConfigureAwait(false);
        }

        await CompareRowsAsync(request, manifest, source, target, sourceInScope, targetInScope, results, cancellationToken).ConfigureAwait(false);
        _reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "Rows compared after {0:0.000} s.", clock.Elapsed.TotalSeconds));
        return results.Sorted();
    }

    /// <summary>
    /// The Database category. The target's memberships are read for the source's roles: a role
    /// the target no longer references (its grant revoked) still has its memberships compared,
    /// so one change on the target is one failure.
    /// </summary>
    private async Task CompareDatabaseAsync(ValidationRequest request, DumpManifest? manifest, CatalogSnapshot source, CatalogSnapshot target, ConnectionPool targetPool, bool compareOwners, ValidationResults results, CancellationToken cancellationToken)
    {
        var sourceState = manifest is null ? source.DatabaseState : manifest.Database;
        var sourceRoles = manifest is null ? source.Roles : manifest.RoleDefinitions;
        var targetRoles = sourceRoles is null
            ? new List<ManifestRole>()
            : await targetPool.RunAsync(c => new DatabaseStateReader(c).ReadRolesAsync(sourceRoles.Select(r => r.Name), cancellationToken), cancellationToken).ConfigureAwait(false);
        var compareAcl = !request.NoAcl && (manifest is null || !manifest.Options.NoAcl);
        if (!compareAcl)
        {
            _reporter.Verbose("The database's privileges are not compared: the restore (or the dump) ran with -NoAcl.");
        }

        new DatabaseStateComparer(results).Compare(sourceState, target.DatabaseState!, sourceRoles, targetRoles, compareOwners, compareAcl);
    }

    private async Task CompareRowsAsync(ValidationRequest request, DumpManifest? manifest, ConnectionPool? source, ConnectionPool target, CatalogSnapshot sourceSnapshot, CatalogSnapshot targetSnapshot, ValidationResults results, CancellationToken cancellationToken)
    {
        var countRows = request.Categories.Contains(HydraValidationCategory.RowCount) && request.RowCount != HydraRowCountMode.Skip;
        var checksum = request.Categories.Contains(HydraValidationCategory.DataChecksum);
        if (checksum && source is null)
        {
            results.Add(HydraValidationCategory.DataChecksum, string.Empty, "(all)", "Skipped", null, null, HydraValidationStatus.Warning, "-DataChecksum compares contents on both servers and needs a live source: give -Source. The manifest records row counts only.");
            checksum = false;
        }

        var onTarget = targetSnapshot.Tables.ToDictionary(t => (t.Schema, t.Name));
        var recorded = manifest?.Tables.ToDictionary(t => (t.Schema, t.Name));
        if (manifest is not null && countRows && !manifest.Options.RowCounts)
        {
            results.Add(HydraValidationCategory.RowCount, string.Empty, "(all)", "Skipped", null, null, HydraValidationStatus.Warning, "The dump ran with -SkipRowCount, so its manifest holds no row counts to compare: validate with -Source.");
            countRows = false;
        }

        var work = new List<TableWork>();
        foreach (var table in sourceSnapshot.Tables.Where(t => t.Kind == "table"))
        {
            // A missing table is the Table check's failure already.
            if (!onTarget.TryGetValue((table.Schema, table.Name), out var other))
            {
                continue;
            }

            long? recordedRows = null;
            if (recorded is not null)
            {
                if (!recorded.TryGetValue((table.Schema, table.Name), out var entry) || entry.RowCount is null)
                {
                    continue; // its rows are not in the dump (schema only, excluded data)
                }

                recordedRows = entry.RowCount;
            }

            if (request.RowCount == HydraRowCountMode.Estimate && countRows)
            {
                AddEstimate(results, table, recordedRows ?? (long)Math.Max(0, table.EstimatedRows), other);
            }

            work.Add(new TableWork(table, other, recordedRows));
        }

        var exactCounts = countRows && request.RowCount == HydraRowCountMode.Exact;
        if (exactCounts || checksum)
        {
            await new TableDataValidator(source, target, _reporter, request.RowsPerRange).RunAsync(work, exactCounts, checksum, results, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Planner estimates: within 10% passes; anything else is only worth a look, never a failure.</summary>
    private static void AddEstimate(ValidationResults results, CatalogTable source, long sourceRows, CatalogTable target)
    {
        var targetRows = (long)target.EstimatedRows;
        var close = target.EstimatedRows >= 0 && Math.Abs(targetRows - sourceRows) <= Math.Max(10, sourceRows / 10);
        results.Add(
            HydraValidationCategory.RowCount,
            source.Schema,
            source.Name,
            "Estimate",
            sourceRows.ToString(CultureInfo.InvariantCulture),
            target.EstimatedRows < 0 ? "unknown" : targetRows.ToString(CultureInfo.InvariantCulture),
            close ? HydraValidationStatus.Pass : HydraValidationStatus.Warning,
            close ? "Estimates agree within 10%." : "The planner's estimates differ (or the target was never analyzed): ANALYZE the target, or use -RowCount Exact.");
    }

    /// <summary>
    /// A manifest of another database would report every table missing: say so once, clearly.
    /// It belongs when the names match, or when most of its tables are there.
    /// </summary>
    private static void EnsureManifestBelongsTo(DumpManifest manifest, CatalogSnapshot target, HydraConnection connection)
    {
        if (manifest.Tables.Count == 0 || string.Equals(manifest.Source.Database, target.Database, StringComparison.Ordinal))
        {
            return;
        }

        var present = new HashSet<(string, string)>(target.Tables.Select(t => (t.Schema, t.Name)));
        var found = manifest.Tables.Count(t => present.Contains((t.Schema, t.Name)));
        if (found * 2 < manifest.Tables.Count)
        {
            throw new HydraException(HydraErrors.ManifestNotForTarget,
                string.Format(CultureInfo.InvariantCulture, "The manifest describes database '{0}' on {1}:{2}, and only {3} of its {4} tables exist in the target {5}: it is not this target's dump, or the restore did not happen. Check -Manifest and the target connection.", manifest.Source.Database, manifest.Source.Host, manifest.Source.Port, found, manifest.Tables.Count, connection.ServerDisplay),
                connection);
        }
    }

    private static bool IsFilteredDump(ManifestDumpOptions options) =>
        options.Schemas.Count + options.ExcludeSchemas.Count + options.Tables.Count + options.ExcludeTables.Count > 0;

    /// <summary>What a manifest written before catalog snapshots still tells: tables, access methods, options, extensions, settings.</summary>
    private static CatalogSnapshot FromManifestTables(DumpManifest manifest) => new()
    {
        Database = manifest.Source.Database,
        Tables = manifest.Tables.Select(t => new CatalogTable { Schema = t.Schema, Name = t.Name, Kind = t.Kind, AccessMethod = t.AccessMethod, Columnar = t.Columnar, EstimatedRows = t.RowCount ?? 0 }).ToList(),
        Extensions = manifest.Extensions,
        Settings = manifest.DatabaseSettings,
    };
}
