namespace HydraMigration.Copy;

/// <summary>
/// One Copy-HydraDump call: what to copy, from where, to where, and how. Copy-HydraDump's
/// options bind straight into one of these; <see cref="For"/> makes the request for each archive.
/// </summary>
internal sealed class CopyRequest
{
    /// <summary>The options alone, as the cmdlet binds them; <see cref="For"/> adds what to copy where.</summary>
    public CopyRequest()
    {
        SourcePath = string.Empty;
        Destination = string.Empty;
    }

    public CopyRequest(string sourcePath, string destination)
    {
        SourcePath = sourcePath;
        Destination = destination;
    }

    /// <summary>The archive (file or directory-format folder), on this computer or on <see cref="From"/>.</summary>
    public string SourcePath { get; private set; }

    /// <summary>A folder (the archive keeps its name) or the new name, on this computer or on <see cref="To"/>.</summary>
    public string Destination { get; private set; }

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

    /// <summary>These options for copying <paramref name="sourcePath"/> (on <paramref name="from"/>, or here) to <paramref name="destination"/> (on <paramref name="to"/>, or here).</summary>
    public CopyRequest For(string sourcePath, HydraSshSession? from, string destination, HydraSshSession? to, DumpManifest? manifest)
    {
        var request = (CopyRequest)MemberwiseClone();
        request.SourcePath = sourcePath;
        request.From = from;
        request.Destination = destination;
        request.To = to;
        request.Manifest = manifest;
        return request;
    }
}
