using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace HydraMigration.Storage;

/// <summary>Files on this computer.</summary>
internal sealed class LocalFileStore : IFileStore
{
    public static readonly LocalFileStore Instance = new();

    private LocalFileStore()
    {
    }

    public string Location => "this computer";

    public char Separator => Path.DirectorySeparatorChar;

    public bool FileExists(string path) => File.Exists(path);

    public bool DirectoryExists(string path) => Directory.Exists(path);

    public long FileLength(string path) => new FileInfo(path).Length;

    public string FullPath(string path) => Path.GetFullPath(path);

    public string Combine(string folder, string name) => Path.Combine(folder, name);

    public string? Parent(string path) => Path.GetDirectoryName(path);

    public string FileName(string path) => Path.GetFileName(path.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));

    public IReadOnlyList<StoredFile> ListFilesRecursive(string folder) =>
        Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => new StoredFile(f.Substring(folder.Length).TrimStart(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Replace('\\', '/'), new FileInfo(f).Length))
            .OrderBy(f => f.RelativePath, StringComparer.Ordinal)
            .ToList();

    public Stream OpenRead(string path) => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);

    public Stream Create(string path) => new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);

    public void CreateDirectory(string path) => Directory.CreateDirectory(path);

    public bool TryCreateNew(string path, string text)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        }
        catch (IOException) when (File.Exists(path) || Directory.Exists(path))
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

    public void Move(string from, string to)
    {
        if (Directory.Exists(from))
        {
            Directory.Move(from, to);
        }
        else
        {
            File.Move(from, to);
        }
    }

    public void Delete(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        else if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    public string ReadAllText(string path) => File.ReadAllText(path);

    public void WriteAllText(string path, string text) => File.WriteAllText(path, text, new UTF8Encoding(false));
}
