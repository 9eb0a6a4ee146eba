using System.Collections.Generic;
using System.IO;

namespace HydraMigration.Storage;

/// <summary>
/// The few file operations dumps and copies need, on this machine or on an SSH host, so the
/// same code plans temporary names, commits with rename, reads archives and writes manifests
/// wherever the archive lives.
/// </summary>
internal interface IFileStore
{
    /// <summary>"this computer" or "user@host", for messages.</summary>
    string Location { get; }

    /// <summary>The host's path separator ('/' on SSH hosts).</summary>
    char Separator { get; }

    bool FileExists(string path);

    bool DirectoryExists(string path);

    long FileLength(string path);

    string FullPath(string path);

    string Combine(string folder, string name);

    string? Parent(string path);

    string FileName(string path);

    /// <summary>Every file under <paramref name="folder"/>: its path relative to the folder ('/' separators) and size, in ordinal order.</summary>
    IReadOnlyList<StoredFile> ListFilesRecursive(string folder);

    Stream OpenRead(string path);

    /// <summary>Creates a new file (or truncates one) for writing.</summary>
    Stream Create(string path);

    void CreateDirectory(string path);

    /// <summary>
    /// Creates <paramref name="path"/> holding <paramref name="text"/> only if no file of that name
    /// exists, atomically (O_EXCL locally, SSH_FXF_EXCL over SFTP); false when one already does.
    /// Two processes racing for a name: exactly one gets it.
    /// </summary>
    bool TryCreateNew(string path, string text);

    /// <summary>Renames a file or folder; the target must not exist.</summary>
    void Move(string from, string to);

    /// <summary>Deletes a file or a folder with everything in it; a missing one is no error.</summary>
    void Delete(string path);

    string ReadAllText(string path);

    void WriteAllText(string path, string text);
}

/// <summary>A file inside a folder: its relative path ('/' separators) and size.</summary>
internal sealed class StoredFile
{
    public StoredFile(string relativePath, long size)
    {
        RelativePath = relativePath;
        Size = size;
    }

    public string RelativePath { get; }

    public long Size { get; }
}
