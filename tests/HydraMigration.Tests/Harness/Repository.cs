using System;
using System.IO;

namespace HydraMigration.Tests.Harness;

/// <summary>Paths inside the repository, found from the test assembly's location.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>The packaged module folder `dotnet build` produces.</summary>
    public static string ModuleFolder => Path.Combine(Root, "out", "HydraMigration");

    public static string ModuleManifest => Path.Combine(ModuleFolder, "HydraMigration.psd1");

    private static string FindRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "HydraMigration.sln")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new InvalidOperationException("HydraMigration.sln not found above " + AppContext.BaseDirectory);
    }
}
