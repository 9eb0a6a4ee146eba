using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace HydraMigration.Storage;

/// <summary>
/// Files on an SSH host, over one SFTP connection. Paths are POSIX paths as that host sees them;
/// a relative path is relative to the login's home folder, as with scp.
/// </summary>
internal sealed class SftpFileStore : IFileStore
{
    private readonly SftpClient _sftp;

    public SftpFileStore(SftpClient sftp, string location)
    {
        _sftp = sftp;
        Location = location;
    }

    public string Location { get; }

    public char Separator => '/';

    public bool FileExists(string path) => Stat(path) is { IsDirectory: false };

    public bool DirectoryExists(string path) => Stat(path) is { IsDirectory: true };

    public long FileLength(string path) => _sftp.GetAttributes(Home(path)).Size;

    public string FullPath(string path)
    {
        var relative = Home(path);
        var absolute = relative.StartsWith("/", StringComparison.Ordinal) ? relative : _sftp.WorkingDirectory.TrimEnd('/') + "/" + relative;
        return Normalize(absolute);
    }

    public string Combine(string folder, string name) =>
        name.StartsWith("/", StringComparison.Ordinal) ? name : folder.TrimEnd('/') + "/" + name;

    public string? Parent(string path)
    {
        var trimmed = path.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        return slash < 0 ? null : slash == 0 ? "/" : trimmed.Substring(0, slash);
    }

    public string FileName(string path)
    {
        var trimmed = path.TrimEnd('/');
        return trimmed.Substring(trimmed.LastIndexOf('/') + 1);
    }

    public IReadOnlyList<StoredFile> ListFilesRecursive(string folder)
    {
        var files = new List<StoredFile>();
        void Walk(string directory, string prefix)
        {
            foreach (var entry in _sftp.ListDirectory(directory))
            {
                if (entry.Name is "." or "..")
                {
                    continue;
                }

                if (entry.IsDirectory)
                {
                    Walk(entry.FullName, prefix + entry.Name + "/");
                }
                else
                {
                    files.Add(new StoredFile(prefix + entry.Name, entry.Length));
                }
            }
        }

        Walk(Home(folder), "");
        return files.OrderBy(f => f.RelativePath, StringComparer.Ordinal).ToList();
    }

    public Stream OpenRead(string path) => _sftp.Open(Home(path), FileMode.Open, FileAccess.Read);

    public Stream Create(string path) => _sftp.Open(Home(path), FileMode.Create, FileAccess.Write);

    public void CreateDirectory(string path) => _sftp.CreateDirectory(Home(path));

    public bool TryCreateNew(string path, string text)
    {
        Stream stream;
        try
        {
            // FileMode.CreateNew is SSH_FXF_CREAT | SSH_FXF_EXCL: the server refuses an existing name.
            stream = _sftp.Open(Home(path), FileMode.CreateNew, FileAccess.Write);
        }
        catch (SshException) when (Stat(path) is not null)
        {
            return false;
        }

        using (stream)
        {
            var bytes = new UTF8Encoding(false).GetBytes(text);
            stream.Write(bytes, 0, bytes.Length);
        }

        return true;
    }

    /// <remarks>SFTP's rename is atomic and refuses an existing target, which callers never ask for.</remarks>
    public void Move(string from, string to) => _sftp.RenameFile(Home(from), Home(to));

    public void Delete(string path)
    {
        var stat = Stat(path);
        if (stat is null)
        {
            return;
        }

        if (!stat.IsDirectory)
        {
            _sftp.DeleteFile(Home(path));
            return;
        }

        foreach (var entry in _sftp.ListDirectory(Home(path)).Where(e => e.Name is not ("." or "..")))
        {
            Delete(entry.FullName);
        }

        _sftp.DeleteDirectory(Home(path));
    }

    public string ReadAllText(string path) => _sftp.ReadAllText(Home(path), new UTF8Encoding(false));

    public void WriteAllText(string path, string text)
    {
        using var stream = Create(path);
        var bytes = new UTF8Encoding(false).GetBytes(text);
        stream.Write(bytes, 0, bytes.Length);
    }

    /// <summary>"~/x" means the login's home, as with scp; SFTP sessions start there, so it is relative to the working folder.</summary>
    private static string Home(string path) =>
        path == "~" ? "." : path.StartsWith("~/", StringComparison.Ordinal) ? path.Substring(2) : path;

    private Renci.SshNet.Sftp.SftpFileAttributes? Stat(string path)
    {
        try
        {
            return _sftp.GetAttributes(Home(path));
        }
        catch (SftpPathNotFoundException)
        {
            return null;
        }
    }

    private static string Normalize(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == ".." && parts.Count > 0)
            {
                parts.RemoveAt(parts.Count - 1);
            }
            else if (part != "..")
            {
                parts.Add(part);
            }
        }

        return "/" + string.Join("/", parts);
    }
}
