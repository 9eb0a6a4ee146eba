using System;
using System.Collections.Generic;
using HydraMigration.Connections;
using HydraMigration.Database;

namespace HydraMigration.Restore;

/// <summary>
/// Everything Restore-HydraDump was asked to do. Restore-HydraDump's parameters bind straight
/// into one of these (its options, with no archive yet); <see cref="For"/> then makes the
/// request for each archive and target, so each option is spelled once here and once as its
/// parameter, with no copy between them.
/// </summary>
internal sealed class RestoreRequest
{
    /// <summary>The options alone, as the cmdlet binds them; <see cref="For"/> adds the archive and the target.</summary>
    public RestoreRequest()
    {
        Path = string.Empty;
        Target = null!;
    }

    public RestoreRequest(string path, HydraConnection target)
    {
        Path = path;
        Target = target;
    }

    /// <summary>Absolute path of a local archive (file or directory format).</summary>
    public string Path { get; private set; }

    public HydraConnection Target { get; private set; }

    /// <summary>The manifest, when it came with a HydraDump; otherwise the one beside the archive is read.</summary>
    public DumpManifest? Manifest { get; set; }

    /// <summary>Dump ids chosen from Get-HydraDumpContent; empty restores everything.</summary>
    public IReadOnlyCollection<int> SelectedIds { get; set; } = Array.Empty<int>();

    /// <summary>-CreateDatabase: the database to create when it does not exist (its options; <see cref="For"/> names it after the target's).</summary>
    public DatabaseRequest? NewDatabase { get; set; }

    /// <summary>When the restore fails or is stopped, keep what it created instead of dropping it.</summary>
    public bool KeepFailedDatabase { get; set; }

    public int Jobs { get; set; } = 1;

    public bool NoOwner { get; set; }

    public bool NoAcl { get; set; }

    public bool Clean { get; set; }

    public bool SingleTransaction { get; set; }

    public bool ExitOnError { get; set; }

    public bool NoTableAccessMethod { get; set; }

    public IReadOnlyList<string> Schemas { get; set; } = Array.Empty<string>();

    public IReadOnlyList<string> Tables { get; set; } = Array.Empty<string>();

    public bool SchemaOnly { get; set; }

    public bool DataOnly { get; set; }

    public string? Role { get; set; }

    /// <summary>Restore into a database that already holds objects.</summary>
    public bool Force { get; set; }

    public bool CreateMissingRole { get; set; }

    /// <summary>The new database's owner was chosen (-Owner): the source database's owner is not applied over it.</summary>
    public bool KeepDatabaseOwner => NewDatabase?.Owner is not null;

    public string? PgBinPath { get; set; }

    /// <summary>
    /// These options for one archive into one target; a -CreateDatabase request is named after
    /// the target's database and reached through the server's maintenance database.
    /// </summary>
    public RestoreRequest For(string path, HydraConnection target, DumpManifest? manifest, IReadOnlyCollection<int> selectedIds)
    {
        var request = (RestoreRequest)MemberwiseClone();
        request.Path = path;
        request.Target = target;
        request.Manifest = manifest;
        request.SelectedIds = selectedIds;
        request.NewDatabase = NewDatabase?.For(HydraConnectionFactory.WithDatabase(target, "postgres"), target.Database);
        return request;
    }
}
