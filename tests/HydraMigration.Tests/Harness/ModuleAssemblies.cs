using System;
using System.IO;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace HydraMigration.Tests.Harness;

/// <summary>
/// The module's assemblies are referenced for compiling but not copied: when code here first
/// touches them they load the way Import-Module loads them. The cmdlet assembly comes from
/// out/HydraMigration; the engine and its dependencies (SSH.NET, Npgsql… in their net8.0 builds)
/// from the module's own load context, through the module's own registration, so the tests and
/// a runspace importing the module afterwards share one engine and one set of model types.
/// </summary>
internal static class ModuleAssemblies
{
    private static readonly Lazy<AssemblyLoadContext> EngineContext = new(LoadEngineContext);

#pragma warning disable CA2255 // A module initializer is the one hook that runs before any test or benchmark code touches the module's types.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() => AssemblyLoadContext.Default.Resolving += FromModuleFolder;

    private static Assembly? FromModuleFolder(AssemblyLoadContext context, AssemblyName name)
    {
        var cmdlets = Path.Combine(Repository.ModuleFolder, name.Name + ".dll");
        if (File.Exists(cmdlets))
        {
            return context.LoadFromAssemblyPath(cmdlets);
        }

        var engineFolder = Path.Combine(Repository.ModuleFolder, "dependencies", "net8.0");
        return File.Exists(Path.Combine(engineFolder, name.Name + ".dll"))
            ? EngineContext.Value.LoadFromAssemblyName(name)
            : null;
    }

    private static AssemblyLoadContext LoadEngineContext()
    {
        var dependencies = Path.Combine(Repository.ModuleFolder, "dependencies");
        var loader = AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.Combine(dependencies, "HydraMigration.LoadContext.dll"));
        var loadEngine = loader.GetType("HydraMigration.LoadContext.EngineLoadContext", throwOnError: true)!
            .GetMethod("LoadEngine", BindingFlags.Public | BindingFlags.Static)!;
        var engine = (Assembly)loadEngine.Invoke(null, [Path.Combine(dependencies, "net8.0")])!;
        return AssemblyLoadContext.GetLoadContext(engine)!;
    }
}
