using System.Runtime.InteropServices;

namespace HydraMigration.Tools;

/// <summary>
/// Owner-only modes for files that hold secrets or trust (passfiles, known_hosts). On Windows
/// the per-user folders' ACLs already do this, so these are no-ops there.
/// </summary>
internal static class FilePermissions
{
    private const uint OwnerOnlyDirectoryMode = 0x1C0; // 0700
    private const uint OwnerOnlyFileMode = 0x180; // 0600

    public static bool IsWindows => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

    /// <summary>Creates a folder that is 0700 from its first moment; false with errno when that fails.</summary>
    public static bool TryCreateOwnerOnlyDirectory(string path, out int error)
    {
        error = 0;
        if (IsWindows)
        {
            System.IO.Directory.CreateDirectory(path);
            return true;
        }

        if (NativeMethods.mkdir(path, OwnerOnlyDirectoryMode) == 0)
        {
            return true;
        }

        error = Marshal.GetLastWin32Error();
        return false;
    }

    /// <summary>Restricts an existing file (0600) or folder (0700) to its owner.</summary>
    public static bool OwnerOnly(string path, bool directory) =>
        IsWindows || NativeMethods.chmod(path, directory ? OwnerOnlyDirectoryMode : OwnerOnlyFileMode) == 0;

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
