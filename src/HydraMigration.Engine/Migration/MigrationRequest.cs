using System;

namespace HydraMigration.Migration;

/// <summary>Everything Invoke-HydraMigration was asked to do for one migration, with paths resolved.</summary>
internal sealed class MigrationRequest
{
    public MigrationRequest(HydraMigrationShape shape, HydraConnection source, HydraConnection target, string workFolder)
    {
        Shape = shape;
        Source = source;
        Target = target;
        WorkFolder = workFolder;
        LocalPath = workFolder;
    }

    public HydraMigrationShape Shape { get; }

    /// <summary>The source; with an SSH session, as that host sees it.</summary>
    public HydraConnection Source { get; }

    public HydraConnection Target { get; }

    /// <summary>Absolute folder holding the journal.</summary>
    public string WorkFolder { get; private set; }

    /// <summary>pg_dump runs on this SSH host (next to the source); null: on this computer.</summary>
    public HydraSshSession? SshSession { get; set; }

    /// <summary>The folder on the SSH host the archive is written to.</summary>
    public string? RemotePath { get; set; }

    /// <summary>Absolute local folder for the archive (default: the work folder).</summary>
    public string LocalPath { get; set; }

    public HydraDumpFormat Format { get; set; } = HydraDumpFormat.Custom;

    /// <summary>
    /// pg_dump's --compress for the archive. By default 1, the fastest gzip level: the archive
    /// lives only for the migration, and pg_dump -Fc spends most of its time compressing at its
    /// own default (6), while level 1 makes archives only somewhat larger.
    /// </summary>
    public string Compression { get; set; } = DefaultCompression;

    public const string DefaultCompression = "1";

    /// <summary>pg_restore jobs (and pg_dump's, for the directory format).</summary>
    public int Jobs { get; set; } = 1;

    /// <summary>Create the target database; null: when it does not exist.</summary>
    public bool? CreateDatabase { get; set; }

    public bool CreateMissingRole { get; set; }

    public bool NoOwner { get; set; }

    public bool NoAcl { get; set; }

    /// <summary>Also compare contents against the live source (validation's DataChecksum).</summary>
    public bool DataChecksum { get; set; }

    /// <summary>Continue what the journal in the work folder records.</summary>
    public bool Resume { get; set; }

    /// <summary>Keep the archive after a migration that succeeded.</summary>
    public bool KeepArchive { get; set; }

    /// <summary>Absolute path of the HTML report to write (the JSON goes beside it); null: none.</summary>
    public string? ReportPath { get; set; }

    /// <summary>
    /// This migration as one of a fleet sharing a work folder: the same in every option, with its
    /// journal, archive and report in a folder (and a file) of its own, named <paramref name="name"/>.
    /// <paramref name="reportShared"/>: other members were given the same report path.
    /// </summary>
    public MigrationRequest AsFleetMember(string name, bool reportShared)
    {
        var member = (MigrationRequest)MemberwiseClone();
        member.WorkFolder = System.IO.Path.Combine(WorkFolder, name);
        member.LocalPath = string.Equals(LocalPath, WorkFolder, StringComparison.Ordinal) ? member.WorkFolder : System.IO.Path.Combine(LocalPath, name);
        if (ReportPath is not null && reportShared)
        {
            member.ReportPath = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(ReportPath) ?? string.Empty, System.IO.Path.GetFileNameWithoutExtension(ReportPath) + "-" + name + System.IO.Path.GetExtension(ReportPath));
        }

        return member;
    }

    /// <summary>The archive's file name: fixed, so that -Resume finds what an earlier run made.</summary>
    public string ArchiveName
    {
        get
        {
            var stem = SafeName(Source.Database);
            return Format switch
            {
                HydraDumpFormat.Directory => stem + ".dir",
                HydraDumpFormat.Tar => stem + ".tar",
                _ => stem + ".dump",
            };
        }
    }

    /// <summary>A name any file system takes, still recognisably the database's.</summary>
    public static string SafeName(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            if (!(char.IsLetterOrDigit(c) || c == '-' || c == '_' || c == '.') || c > 127)
            {
                chars[i] = '_';
            }
        }

        var safe = new string(chars).Trim('.');
        return safe.Length == 0 ? "database" : safe;
    }

    /// <summary>What identifies this migration's inputs; a resumed run must have the same.</summary>
    public MigrationInputs Inputs() => new()
    {
        Shape = Shape.ToString(),
        Source = Identity(Source),
        Target = Identity(Target),
        SshHost = SshSession is null ? null : SshSession.UserName + "@" + SshSession.HostName + ":" + SshSession.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        RemotePath = SshSession is null ? null : RemotePath,
        LocalPath = Shape == HydraMigrationShape.Archive ? LocalPath : null,
        Format = Shape == HydraMigrationShape.Archive ? Format.ToString() : null,
    };

    /// <summary>user@host:port/database: who and where, never a password.</summary>
    private static string Identity(HydraConnection connection) =>
        connection.UserName + "@" + connection.HostName + ":" + connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/" + connection.Database;
}
