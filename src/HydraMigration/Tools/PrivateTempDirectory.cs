using System;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Runtime.InteropServices;

namespace HydraMigration.Tools;

/// <summary>
/// A temporary folder only the current user can enter (mode 0700 on Unix; the per-user temp
/// folder's ACL on Windows), removed with everything in it on dispose. Holds the passfile
/// and generated lists that a child tool reads.
/// </summary>
internal sealed class PrivateTempDirectory : IDisposable
{
    private const uint OwnerOnlyDirectory = 0x1C0; // 0700
    private const uint OwnerOnlyFile = 0x180; // 0600

    public PrivateTempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hydra-" + Guid.NewGuid().ToString("N"));
        if (IsWindows)
        {
            Directory.CreateDirectory(Path);
        }
        else if (NativeMethods.mkdir(Path, OwnerOnlyDirectory) != 0)
        {
            throw new HydraException("TempDirectoryFailed", ErrorCategory.WriteError, string.Format(CultureInfo.InvariantCulture, "Could not create a private temporary folder under {0} (errno {1}). Check that the temp folder exists and is writable.", System.IO.Path.GetTempPath(), Marshal.GetLastWin32Error()), System.IO.Path.GetTempPath());
        }
    }

    public string Path { get; }

    private static bool IsWindows => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

    /// <summary>Writes a file readable by the owner only; the mode is set before any content is written.</summary>
    public string WriteOwnerOnlyFile(string name, string content)
    {
        var file = System.IO.Path.Combine(Path, name);
        using (var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            if (!IsWindows && NativeMethods.chmod(file, OwnerOnlyFile) != 0)
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
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: the folder is private and holds nothing the next run depends on.
        }
    }

    private static class NativeMethods
    {
        // Only called on Unix, where .NET marshals ANSI strings as UTF-8, the file system's encoding.
#pragma warning disable CA2101, SYSLIB1054
        [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi)]
        public static extern int mkdir(string path, uint mode);

        [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi)]
        public static extern int chmod(string path, uint mode);
#pragma warning restore CA2101, SYSLIB1054
    }
}
