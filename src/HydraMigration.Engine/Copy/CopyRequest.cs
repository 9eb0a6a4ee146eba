namespace HydraMigration.Copy;

/// <summary>One Copy-HydraDump call: what to copy, from where, to where, and how.</summary>
internal sealed class CopyRequest
{
    public CopyRequest(string sourcePath, string destination)
    {
        SourcePath = sourcePath;
        Destination = destination;
    }

    /// <summary>The archive (file or directory-format folder), on this computer or on <see cref="From"/>.</summary>
    public string SourcePath { get; }

    /// <summary>A folder (the archive keeps its name) or the new name, on this computer or on <see cref="To"/>.</summary>
    public string Destination { get; }

    /// <summary>Download from this session's host; null when the source is local.</summary>
    public HydraSshSession? From { get; set; }

    /// <summary>Upload to this session's host; null when the destination is local.</summary>
    public HydraSshSession? To { get; set; }

    /// <summary>The archive's manifest, when the caller has it (a piped HydraDump); otherwise the one beside the source is read.</summary>
    public DumpManifest? Manifest { get; set; }

    /// <summary>Replace an existing destination.</summary>
    public bool Force { get; set; }

    /// <summary>Continue a partial copy left by an interrupted run, after checking the part already there.</summary>
    public bool Resume { get; set; }
}
