using System.Collections.Generic;

namespace HydraMigration.Database;

/// <summary>A database that already exists under the requested name, and who is connected to it.</summary>
internal sealed class ExistingDatabase
{
    public ExistingDatabase(string encoding, string collate, string ctype, string owner, IReadOnlyList<string> otherSessions, string? comment = null)
    {
        Comment = comment;
        Encoding = encoding;
        Collate = collate;
        Ctype = ctype;
        Owner = owner;
        OtherSessions = otherSessions;
    }

    public string Encoding { get; }

    public string Collate { get; }

    public string Ctype { get; }

    public string Owner { get; }

    /// <summary>The database's comment (see <see cref="UnfinishedRestoreMark"/>).</summary>
    public string? Comment { get; }

    /// <summary>"user@client (application)" for every other session connected to it.</summary>
    public IReadOnlyList<string> OtherSessions { get; }
}
