using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace HydraMigration.Tests.Harness;

/// <summary>
/// What a step may have left on this machine: processes still running, and files that hold a
/// secret. One home for the fault tests' scans, so each reads /proc and folders the same safe way.
/// </summary>
public static class Leftovers
{
    /// <summary>Command lines (NULs as spaces) of running processes that contain every one of <paramref name="words"/>.</summary>
    public static List<string> Processes(params string[] words) =>
        Directory.GetDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _))
            .Select(d => Read(Path.Combine(d, "cmdline")))
            .Where(c => c.Length > 0 && words.All(w => c.Contains(w, StringComparison.Ordinal)))
            .ToList();

    /// <summary>The files under <paramref name="folders"/> whose content holds <paramref name="secret"/>.</summary>
    public static List<string> FilesHolding(string secret, params string[] folders) =>
        folders.Where(Directory.Exists).SelectMany(Files)
            .Where(file =>
            {
                // Zero length: nothing to hold, and a FIFO (the runtime's debug pipes a SIGKILLed
                // pwsh leaves in its TMPDIR) would block an open for reading forever.
                var length = Length(file);
                return length > 0 && length < 64 << 20 && Read(file).Contains(secret, StringComparison.Ordinal);
            })
            .ToList();

    /// <summary>A file's text with NULs as spaces, or empty when it went away (or may not be read) while we looked.</summary>
    public static string Read(string file)
    {
        try
        {
            return File.ReadAllText(file).Replace('\0', ' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    private static long Length(string file)
    {
        try
        {
            return new FileInfo(file).Length;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static string[] Files(string folder)
    {
        try
        {
            return Directory.GetFiles(folder, "*", SearchOption.AllDirectories);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Array.Empty<string>();
        }
    }
}
