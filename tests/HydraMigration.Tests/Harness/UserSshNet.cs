using System;
using System.IO;
using System.Reflection;
using System.Reflection.Emit;

namespace HydraMigration.Tests.Harness;

/// <summary>
/// Another SSH.NET than the module's, as Posh-SSH puts one into a user's session. NuGet serves
/// no second SSH.NET fit to load (its only other one, 2024.2.0, is there for Testcontainers and
/// has known flaws), so this is a stand-in with the same identity, <c>Renci.SshNet</c>, at
/// another version, and one public type: what decides a clash is the assembly's name and
/// version, which the runtime binds by, not its code.
/// </summary>
public static class UserSshNet
{
    public const string AssemblyName = "Renci.SshNet";

    /// <summary>Older than the module's 2026.0.0: an engine bound in the default context would ask for its own and find this one.</summary>
    public static readonly Version Version = new(2020, 0, 0, 0);

    /// <summary>The one type the stand-in has, for the session to resolve.</summary>
    public const string TypeName = "Renci.SshNet.SshClient";

    /// <summary>Writes the stand-in into <paramref name="folder"/> and returns its path.</summary>
    public static string Write(string folder)
    {
        var assembly = new PersistedAssemblyBuilder(new AssemblyName(AssemblyName) { Version = Version }, typeof(object).Assembly);
        var module = assembly.DefineDynamicModule(AssemblyName);
        module.DefineType(TypeName, TypeAttributes.Public | TypeAttributes.Class | TypeAttributes.Sealed).CreateType();
        var path = Path.Combine(folder, AssemblyName + ".dll");
        assembly.Save(path);
        return path;
    }
}
