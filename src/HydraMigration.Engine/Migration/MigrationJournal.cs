using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HydraMigration.Migration;

/// <summary>
/// The migration's memory in its work folder (journal.json): each step's status and attempts,
/// what it produced (the archive, its manifest's hash, the database it created) and the inputs'
/// identity, so that -Resume knows what is done and that it continues the same migration. It is
/// rewritten whole, through a temporary file and a rename, after every change: a run killed at
/// any moment leaves the previous complete journal. It holds no secret: logins appear as user
/// names, connections as host, port and database.
/// </summary>
internal sealed class MigrationJournal
{
    public const string FileName = "journal.json";

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly object _gate = new();

    public int JournalVersion { get; set; } = 1;

    public MigrationInputs Inputs { get; set; } = new();

    public DateTime CreatedUtc { get; set; }

    public List<JournalStep> Steps { get; set; } = new();

    /// <summary>The archive as pg_dump wrote it (on the SSH host, or here).</summary>
    public string? DumpPath { get; set; }

    /// <summary>The archive here, ready for pg_restore.</summary>
    public string? LocalArchivePath { get; set; }

    /// <summary>The SHA-256 the archive's manifest records: the archive's identity.</summary>
    public string? ArchiveSha256 { get; set; }

    /// <summary>The target database this migration created (so a failed restore may drop it, and only it).</summary>
    public string? DatabaseCreated { get; set; }

    public string? SourceServerVersion { get; set; }

    public string? TargetServerVersion { get; set; }

    public string? PgDumpVersion { get; set; }

    public string? PgRestoreVersion { get; set; }

    public string? SourceColumnarVersion { get; set; }

    public string? TargetColumnarVersion { get; set; }

    public List<string> RolesCreated { get; set; } = new();

    public int ColumnarTablesConfigured { get; set; }

    public int SettingsApplied { get; set; }

    public List<string> CarriedColumnarOptions { get; set; } = new();

    public List<string> CarriedSettings { get; set; } = new();

    public List<string> CarriedGrants { get; set; } = new();

    /// <summary>The archive was removed after the migration succeeded (no -KeepArchive).</summary>
    public bool ArchiveRemoved { get; set; }

    public JournalValidation? Validation { get; set; }

    public static string PathIn(string workFolder) => Path.Combine(workFolder, FileName);

    /// <summary>The journal in <paramref name="workFolder"/>, or null when there is none.</summary>
    public static MigrationJournal? Read(string workFolder)
    {
        var path = PathIn(workFolder);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<MigrationJournal>(File.ReadAllText(path), Options) ?? throw new JsonException("The file is empty.");
        }
        catch (JsonException ex)
        {
            throw new HydraException(HydraErrors.MigrationJournalInvalid, string.Format(CultureInfo.InvariantCulture,
                "The journal '{0}' cannot be read ({1}): it was not written by Invoke-HydraMigration or was damaged. Move the work folder aside and start the migration anew.", path, ex.Message), path, ex);
        }
    }

    public static MigrationJournal New(MigrationInputs inputs, IEnumerable<string> steps) => new()
    {
        Inputs = inputs,
        CreatedUtc = DateTime.UtcNow,
        Steps = steps.Select(s => new JournalStep { Name = s }).ToList(),
    };

    public JournalStep Step(string name)
    {
        lock (_gate)
        {
            var step = Steps.FirstOrDefault(s => s.Name == name);
            if (step is null)
            {
                step = new JournalStep { Name = name };
                Steps.Add(step);
            }

            return step;
        }
    }

    /// <summary>Writes the whole journal under a temporary name, then renames it over the old one.</summary>
    public void Save(string workFolder)
    {
        string text;
        lock (_gate)
        {
            text = JsonSerializer.Serialize(this, Options);
        }

        AtomicFile.Write(PathIn(workFolder), text);
    }
}

/// <summary>What makes two runs the same migration. Compared field by field on -Resume.</summary>
internal sealed class MigrationInputs
{
    public string Shape { get; set; } = string.Empty;

    public string Source { get; set; } = string.Empty;

    public string Target { get; set; } = string.Empty;

    public string? SshHost { get; set; }

    public string? RemotePath { get; set; }

    public string? LocalPath { get; set; }

    public string? Format { get; set; }

    /// <summary>"Source: a@h:1/x (journal) vs b@h:1/x (now)" for every field that differs.</summary>
    public List<string> Differences(MigrationInputs now)
    {
        var differences = new List<string>();
        Compare(differences, nameof(Shape), Shape, now.Shape);
        Compare(differences, nameof(Source), Source, now.Source);
        Compare(differences, nameof(Target), Target, now.Target);
        Compare(differences, nameof(SshHost), SshHost, now.SshHost);
        Compare(differences, nameof(RemotePath), RemotePath, now.RemotePath);
        Compare(differences, nameof(LocalPath), LocalPath, now.LocalPath);
        Compare(differences, nameof(Format), Format, now.Format);
        return differences;
    }

    /// <summary>MigrationInputsChanged: a resumed run is not the migration its journal records.</summary>
    public static HydraException Changed(List<string> differences, object target) => new(
        HydraErrors.MigrationInputsChanged,
        string.Format(CultureInfo.InvariantCulture, "-Resume continues the migration the work folder's journal records, and this run's inputs differ: {0}. Run it with the journal's inputs, or give another -WorkFolder to start a new migration.", string.Join("; ", differences)),
        target);

    private static void Compare(List<string> differences, string name, string? journal, string? now)
    {
        if (!string.Equals(journal, now, StringComparison.Ordinal))
        {
            differences.Add(string.Format(CultureInfo.InvariantCulture, "{0}: '{1}' in the journal, '{2}' now", name, journal ?? "(none)", now ?? "(none)"));
        }
    }
}

internal sealed class JournalValidation
{
    public int Passed { get; set; }

    public int Failed { get; set; }

    public int Warnings { get; set; }

    public int Skipped { get; set; }

    public List<string> Failures { get; set; } = new();
}

internal sealed class JournalStep
{
    public string Name { get; set; } = string.Empty;

    public HydraMigrationStepStatus Status { get; set; } = HydraMigrationStepStatus.Pending;

    public string Detail { get; set; } = string.Empty;

    public long? Bytes { get; set; }

    public List<JournalAttempt> Attempts { get; set; } = new();

    /// <summary>The warnings of its last attempt.</summary>
    public List<string> Warnings { get; set; } = new();
}

internal sealed class JournalAttempt
{
    public DateTime StartedUtc { get; set; }

    public DateTime? EndedUtc { get; set; }

    public HydraMigrationStepStatus Outcome { get; set; } = HydraMigrationStepStatus.Running;

    public string? ErrorId { get; set; }

    public string? Message { get; set; }
}

/// <summary>Writes a file so that a reader sees the old content or the new, never a part.</summary>
internal static class AtomicFile
{
    public static void Write(string path, string text)
    {
        var temp = path + ".tmp-" + Guid.NewGuid().ToString("N").Substring(0, 8);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var bytes = new UTF8Encoding(false).GetBytes(text);
                stream.Write(bytes, 0, bytes.Length);
                stream.Flush(flushToDisk: true);
            }

            if (File.Exists(path))
            {
                File.Replace(temp, path, null);
            }
            else
            {
                File.Move(temp, path);
            }
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
