using System.Globalization;

namespace HydraMigration;

/// <summary>One error or warning pg_restore reported, taken apart.</summary>
public sealed class HydraRestoreIssue
{
    internal HydraRestoreIssue(int? tocEntry, string? objectType, string? objectName, string? sqlState, string message, string? command, bool isWarning, string errorId)
    {
        TocEntry = tocEntry;
        ObjectType = objectType;
        ObjectName = objectName;
        SqlState = sqlState;
        Message = message;
        Command = command;
        IsWarning = isWarning;
        ErrorId = errorId;
    }

    /// <summary>The archive's dump id of the entry being restored, when pg_restore named it.</summary>
    public int? TocEntry { get; }

    /// <summary>The entry's type (TABLE, COMMENT, ACL…).</summary>
    public string? ObjectType { get; }

    /// <summary>The entry's schema-qualified name, as pg_restore printed it.</summary>
    public string? ObjectName { get; }

    /// <summary>SQLSTATE, when given.</summary>
    public string? SqlState { get; }

    /// <summary>The server's (or pg_restore's) message.</summary>
    public string Message { get; }

    /// <summary>The SQL that failed.</summary>
    public string? Command { get; }

    /// <summary>Known to be harmless (for example COMMENT ON EXTENSION by a non-owner).</summary>
    public bool IsWarning { get; }

    /// <summary>The error id this issue is written with (e.g. PgRestoreRoleMissing).</summary>
    public string ErrorId { get; }

    /// <summary>"entry 215 TABLE public t: message".</summary>
    public override string ToString() =>
        TocEntry is null ? Message : string.Format(CultureInfo.InvariantCulture, "entry {0} {1} {2}: {3}", TocEntry, ObjectType, ObjectName, Message);
}
