using System.IO;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace HydraMigration.Tests.Harness;

/// <summary>
/// The module's assemblies (HydraMigration, SSH.NET, BouncyCastle… in their netstandard2.0
/// builds) are referenced for compiling but not copied: when code here first touches them they
/// load from the packaged module folder, the very files Import-Module loads, so a runspace
/// importing the module afterwards gets the same assemblies.
/// </summary>
internal static class ModuleAssemblies
{
#pragma warning disable CA2255 // A module initializer is the one hook that runs before any test or benchmark code touches the module's types.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() => AssemblyLoadContext.Default.Resolving += FromModuleFolder;

    private static Assembly? FromModuleFolder(AssemblyLoadContext context, AssemblyName name)
    {
        var candidate = Path.Combine(Repository.ModuleFolder, name.Name + ".dll");
        return File.Exists(candidate) ? context.LoadFromAssemblyPath(candidate) : null;
    }
}
