using System;
using System.Globalization;
using System.IO;
using System.Management.Automation;

namespace HydraMigration.Tools;

/// <summary>
/// A temporary folder only the current user can enter (mode 0700 on Unix; the per-user temp
/// folder's ACL on Windows), removed with everything in it on dispose. Holds the passfile
/// and generated lists that a child tool reads.
/// </summary>
internal sealed class PrivateTempDirectory : IDisposable
{
    public PrivateTempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hydra-" + Guid.NewGuid().ToString("N"));
        if (!FilePermissions.TryCreateOwnerOnlyDirectory(Path, out var error))
        {
            throw new HydraException("TempDirectoryFailed", ErrorCategory.WriteError, string.Format(CultureInfo.InvariantCulture, "Could not create a private temporary folder under {0} (errno {1}). Check that the temp folder exists and is writable.", System.IO.Path.GetTempPath(), error), System.IO.Path.GetTempPath());
        }
    }

    private readonly System.Collections.Generic.List<IDisposable> _companions = new();

    public string Path { get; }

    /// <summary>Releases <paramref name="companion"/> (a tunnel the child tool uses, say) together with this folder.</summary>
    public void DisposeWith(IDisposable companion) => _companions.Add(companion);

    /// <summary>Writes a file readable by the owner only; the mode is set before any content is written.</summary>
    public string WriteOwnerOnlyFile(string name, string content)
    {
        var file = System.IO.Path.Combine(Path, name);
        using (var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            if (!FilePermissions.OwnerOnly(file, directory: false))
            {
                throw new HydraException("TempFileFailed", ErrorCategory.WriteError, "Could not restrict a temporary file to its owner.", file);
            }

            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false));
            writer.Write(content);
        }

        return file;
    }

    public void Dispose()
    {
        foreach (var companion in _companions)
        {
            companion.Dispose();
        }

        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: the folder is private and holds nothing the next run depends on.
        }
    }
}
