using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using HydraMigration.Archive;

namespace HydraMigration.Restore;

/// <summary>
/// Reads pg_restore's stderr line by line: "from TOC entry …" names the entry being restored,
/// "error: could not execute query: ERROR: …" and the "Command was:" lines that follow make one
/// issue. Known harmless failures become warnings; each issue gets an id that names its reason.
/// </summary>
internal sealed class PgRestoreOutput
{
    private static readonly Regex FromEntry = new(@"^pg_restore: from TOC entry (?<id>\d+); \d+ \d+ (?<rest>.+)$", RegexOptions.CultureInvariant);
    private static readonly Regex QueryError = new(@"^pg_restore: error: could not execute query: (?:ERROR|FATAL):\s+(?<message>.+)$", RegexOptions.CultureInvariant);
    private static readonly Regex OtherError = new(@"^pg_restore: error: (?<message>.+)$", RegexOptions.CultureInvariant);

    private static readonly (Regex Pattern, string Id, bool Harmless)[] Known =
    {
        (new Regex("must be owner of extension", RegexOptions.CultureInvariant), HydraErrors.PgRestoreNotExtensionOwner.Id, true),
        (new Regex(@"role "".+"" already exists", RegexOptions.CultureInvariant), HydraErrors.PgRestoreRoleExists.Id, true),
        (new Regex(@"schema ""public"" already exists", RegexOptions.CultureInvariant), HydraErrors.PgRestorePublicSchemaExists.Id, true),
        (new Regex(@"role "".+"" does not exist", RegexOptions.CultureInvariant), HydraErrors.PgRestoreRoleMissing.Id, false),
        (new Regex(@"relation "".+"" already exists", RegexOptions.CultureInvariant), HydraErrors.PgRestoreObjectExists.Id, false),
        (new Regex(@"duplicate key value", RegexOptions.CultureInvariant), HydraErrors.PgRestoreDuplicateKey.Id, false),
        (new Regex(@"access method "".+"" does not exist", RegexOptions.CultureInvariant), HydraErrors.PgRestoreAccessMethodMissing.Id, false),
        (new Regex(@"permission denied", RegexOptions.CultureInvariant), HydraErrors.PgRestorePermissionDenied.Id, false),
        (new Regex(@"could not open extension control file|extension "".+"" is not available", RegexOptions.CultureInvariant), HydraErrors.PgRestoreMissingExtension.Id, false),
        (new Regex(@"collation "".+"" for encoding "".+"" does not exist|^collation "".+"" does not exist", RegexOptions.CultureInvariant), HydraErrors.PgRestoreCollationMissing.Id, false),
    };

    private readonly List<HydraRestoreIssue> _issues = new();
    private readonly Dictionary<int, TocEntry> _entries;
    private int? _entryId;
    private string? _entryType;
    private string? _entryName;
    private PendingIssue? _pending;

    /// <param name="entries">The archive's TOC: "from TOC entry N" is named from it exactly (pg_restore prints no schema there).</param>
    public PgRestoreOutput(IEnumerable<TocEntry> entries)
    {
        _entries = new Dictionary<int, TocEntry>();
        foreach (var entry in entries)
        {
            _entries[entry.DumpId] = entry;
        }
    }

    /// <summary>Errors (not warnings) completed so far.</summary>
    public int ErrorCount => Issues.Count(i => !i.IsWarning);

    /// <summary>Issues completed so far (the last one may still be waiting for its "Command was:" lines).</summary>
    public IReadOnlyList<HydraRestoreIssue> Issues
    {
        get
        {
            Flush();
            return _issues;
        }
    }

    /// <summary>Feeds one stderr line; returns a completed issue when the line finishes one.</summary>
    public HydraRestoreIssue? OnLine(string line)
    {
        if (_pending is not null && !line.StartsWith("pg_restore:", StringComparison.Ordinal))
        {
            _pending.Command = _pending.Command is null ? StripCommandWas(line) : _pending.Command + "\n" + line;
            return null;
        }

        var finished = Flush();
        var entry = FromEntry.Match(line);
        if (entry.Success)
        {
            _entryId = int.Parse(entry.Groups["id"].Value, CultureInfo.InvariantCulture);
            (_entryType, _entryName) = _entries.TryGetValue(_entryId.Value, out var known)
                ? (known.Desc, known.Namespace is null ? known.Tag : known.Namespace + "." + known.Tag)
                : SplitEntry(entry.Groups["rest"].Value);
            return finished;
        }

        var query = QueryError.Match(line);
        var other = query.Success ? query : OtherError.Match(line);
        if (other.Success)
        {
            // pg_restore names the entry ("from TOC entry …") just before any error about it, COPY failures included.
            _pending = new PendingIssue(other.Groups["message"].Value.Trim(), _entryId, _entryType, _entryName);
        }
        else if (line.StartsWith("pg_restore: creating ", StringComparison.Ordinal) || line.StartsWith("pg_restore: processing ", StringComparison.Ordinal))
        {
            // A new item: errors after this belong to it, not to the last "from TOC entry".
            _entryId = null;
        }

        return finished;
    }

    private static string StripCommandWas(string line) =>
        line.StartsWith("Command was: ", StringComparison.Ordinal) ? line.Substring("Command was: ".Length) : line;

    /// <summary>"TABLE public t postgres" → (TABLE, public.t): types may have two words.</summary>
    private static (string? Type, string? Name) SplitEntry(string rest)
    {
        foreach (var type in new[] { "TABLE DATA", "SEQUENCE SET", "FK CONSTRAINT", "MATERIALIZED VIEW DATA", "MATERIALIZED VIEW", "DEFAULT ACL", "CHECK CONSTRAINT", "EVENT TRIGGER", "FOREIGN TABLE", "SEQUENCE OWNED BY", "LARGE OBJECT", "TEXT SEARCH CONFIGURATION", "TEXT SEARCH DICTIONARY" })
        {
            if (rest.StartsWith(type + " ", StringComparison.Ordinal))
            {
                return (type, NameOf(rest.Substring(type.Length + 1)));
            }
        }

        var space = rest.IndexOf(' ');
        return space < 0 ? (rest, null) : (rest.Substring(0, space), NameOf(rest.Substring(space + 1)));
    }

    /// <summary>"t postgres" → "t": pg_restore prints the tag and then the owner.</summary>
    private static string NameOf(string tagOwner)
    {
        var lastSpace = tagOwner.LastIndexOf(' ');
        return lastSpace <= 0 ? tagOwner : tagOwner.Substring(0, lastSpace);
    }

    private HydraRestoreIssue? Flush()
    {
        if (_pending is null)
        {
            return null;
        }

        var pending = _pending;
        _pending = null;
        var (id, harmless) = Classify(pending.Message);
        // pg_restore does not print SQLSTATEs; SqlState stays empty rather than guessed.
        var issue = new HydraRestoreIssue(pending.EntryId, pending.EntryType, pending.EntryName, null, pending.Message, pending.Command?.TrimEnd(), harmless, id);
        _issues.Add(issue);
        return issue;
    }

    /// <summary>A problem found outside pg_restore (setting options or settings), recorded with its results.</summary>
    public void Add(HydraRestoreIssue issue)
    {
        Flush();
        _issues.Add(issue);
    }

    private static (string Id, bool Harmless) Classify(string message)
    {
        foreach (var (pattern, id, harmless) in Known)
        {
            if (pattern.IsMatch(message))
            {
                return (id, harmless);
            }
        }

        return (HydraErrors.PgRestoreError.Id, false);
    }

    private sealed class PendingIssue
    {
        public PendingIssue(string message, int? entryId, string? entryType, string? entryName)
        {
            Message = message;
            EntryId = entryId;
            EntryType = entryType;
            EntryName = entryName;
        }

        public string Message { get; }

        public int? EntryId { get; }

        public string? EntryType { get; }

        public string? EntryName { get; }

        public string? Command { get; set; }
    }
}
