using System;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace HydraMigration.LoadContext;

/// <summary>
/// The load context the engine (HydraMigration.Engine) and its dependencies live in on
/// PowerShell 7. An assembly the engine asks for is taken from the engine's own folder first,
/// so a different Npgsql or SSH.NET that another module loaded into the default context is
/// never bound to ours, and ours never to theirs. What the folder does not hold (the runtime,
/// System.Management.Automation, the cmdlet assembly HydraMigration) comes from the default
/// context, so the model types the cmdlets and the session see are one set.
/// </summary>
public sealed class EngineLoadContext : AssemblyLoadContext
{
    private const string EngineAssemblyName = "HydraMigration.Engine";

    private static readonly object Gate = new();
    private static EngineLoadContext? instance;

    private readonly string folder;

    private EngineLoadContext(string folder)
        : base("HydraMigration", isCollectible: false)
    {
        this.folder = folder;
    }

    /// <summary>
    /// Makes the default context resolve the engine from <paramref name="engineFolder"/> into this
    /// context. Idempotent and process-wide: every runspace that imports the module (a runspace
    /// pool, ForEach-Object -Parallel) shares one engine, so objects pass between them.
    /// </summary>
    public static void Register(string engineFolder)
    {
        lock (Gate)
        {
            if (instance is not null)
            {
                return;
            }

            instance = new EngineLoadContext(engineFolder);
            Default.Resolving += instance.ResolveEngine;
        }
    }

    /// <summary>The engine assembly, loaded into this context (for hosts that reach it directly, such as the tests).</summary>
    public static Assembly LoadEngine(string engineFolder)
    {
        Register(engineFolder);
        return instance!.LoadFromAssemblyName(new AssemblyName(EngineAssemblyName));
    }

    private Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name) =>
        string.Equals(name.Name, EngineAssemblyName, StringComparison.Ordinal) ? LoadFromAssemblyName(name) : null;

    /// <inheritdoc />
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var candidate = Path.Combine(folder, assemblyName.Name + ".dll");
        if (!File.Exists(candidate) || RuntimeProvidesAtLeast(candidate))
        {
            return null;
        }

        return LoadFromAssemblyPath(candidate);
    }

    /// <summary>
    /// A package may ship a framework assembly (System.Formats.Asn1…) that the runtime PowerShell
    /// runs on already has, at the same or a newer version; a second copy in this context would
    /// split its types from the runtime's, so the runtime's is taken. An older runtime's copy
    /// cannot serve the engine, and ours is loaded.
    /// </summary>
    private static bool RuntimeProvidesAtLeast(string candidate)
    {
        var name = Path.GetFileNameWithoutExtension(candidate);
        var runtimeCopy = RuntimeAssemblies.Value.TryGetValue(name, out var path) ? path : null;
        if (runtimeCopy is null)
        {
            return false;
        }

        return AssemblyName.GetAssemblyName(runtimeCopy).Version >= AssemblyName.GetAssemblyName(candidate).Version;
    }

    private static readonly Lazy<System.Collections.Generic.Dictionary<string, string>> RuntimeAssemblies = new(() =>
    {
        var list = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? string.Empty;
        var byName = new System.Collections.Generic.Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            byName[Path.GetFileNameWithoutExtension(path)] = path;
        }

        return byName;
    });
}
