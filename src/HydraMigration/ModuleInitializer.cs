using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;

namespace HydraMigration;

/// <summary>
/// Finds the engine (HydraMigration.Engine and its dependencies), which ships in
/// <c>dependencies/&lt;tfm&gt;/</c> rather than beside this assembly:
/// <list type="bullet">
/// <item>PowerShell 7: the net8.0 build, loaded into the module's own load context
/// (HydraMigration.LoadContext), so another module's Npgsql or SSH.NET in the same session cannot
/// clash with ours.</item>
/// <item>Windows PowerShell 5.1 (.NET Framework): the netstandard2.0 build. .NET Framework has one
/// context and does not apply the binding redirects netstandard2.0 dependencies need (Npgsql
/// asks for System.Memory, System.Text.Json… at versions other than the ones it finds), so an
/// assembly asked for by name is loaded from that folder when it ships there.</item>
/// </list>
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly string DependencyFolder = Path.Combine(
        Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? string.Empty, "dependencies");

    private static bool IsNetFramework => RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);

    private static string NetFrameworkEngineFolder => Path.Combine(DependencyFolder, "netstandard2.0");

    /// <summary>The folder the engine loads from in this host.</summary>
    internal static string EngineFolder => Path.Combine(DependencyFolder, IsNetFramework ? "netstandard2.0" : "net8.0");

    /// <inheritdoc />
    public void OnImport()
    {
        if (IsNetFramework)
        {
            AppDomain.CurrentDomain.AssemblyResolve += ResolveFromEngineFolder;
        }
        else
        {
            RegisterEngineLoadContext();
        }
    }

    /// <inheritdoc />
    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        // No copy will come: the logins the sessions kept for their next one go now. Only when
        // the engine was ever loaded (before it, nothing is kept; loading it to learn that is waste).
        if (Array.Exists(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == "HydraMigration.Engine"))
        {
            CloseKeptSftpConnections();
        }

        // The load context stays for the process: an engine cannot be unloaded while objects of
        // its model types live on in the session, and a re-import finds it already registered.
        if (IsNetFramework)
        {
            AppDomain.CurrentDomain.AssemblyResolve -= ResolveFromEngineFolder;
        }
    }

    // Its own method, so this assembly's other code never needs the engine to be compiled.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void CloseKeptSftpConnections() => Ssh.SshSessionRegistry.Current.CloseKeptSftpConnections();

    /// <summary>
    /// The load context is in its own small net8.0 assembly (this one is netstandard2.0, where
    /// AssemblyLoadContext cannot be subclassed); one reflective call hands it the folder.
    /// </summary>
    internal static void RegisterEngineLoadContext()
    {
        var loader = Assembly.LoadFrom(Path.Combine(DependencyFolder, "HydraMigration.LoadContext.dll"));
        var register = loader.GetType("HydraMigration.LoadContext.EngineLoadContext", throwOnError: true)!
            .GetMethod("Register", BindingFlags.Public | BindingFlags.Static)!;
        register.Invoke(null, new object[] { EngineFolder });
    }

    private static Assembly? ResolveFromEngineFolder(object? sender, ResolveEventArgs args)
    {
        var candidate = Path.Combine(NetFrameworkEngineFolder, new AssemblyName(args.Name).Name + ".dll");
        return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
    }
}
