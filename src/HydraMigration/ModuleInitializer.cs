using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;

namespace HydraMigration;

/// <summary>
/// Windows PowerShell 5.1 (.NET Framework) does not apply the binding redirects that
/// netstandard2.0 dependencies need (Npgsql asks for System.Memory, System.Text.Json… at
/// versions other than the ones it finds), so on .NET Framework an assembly asked for by name
/// is loaded from the module folder when it ships there. PowerShell 7 resolves them itself.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly string ModuleFolder = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? string.Empty;

    private static bool IsNetFramework => RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);

    /// <inheritdoc />
    public void OnImport()
    {
        if (IsNetFramework)
        {
            AppDomain.CurrentDomain.AssemblyResolve += ResolveFromModuleFolder;
        }
    }

    /// <inheritdoc />
    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        if (IsNetFramework)
        {
            AppDomain.CurrentDomain.AssemblyResolve -= ResolveFromModuleFolder;
        }
    }

    private static Assembly? ResolveFromModuleFolder(object? sender, ResolveEventArgs args)
    {
        var candidate = Path.Combine(ModuleFolder, new AssemblyName(args.Name).Name + ".dll");
        return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
    }
}
