using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using System.Text.RegularExpressions;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Module;

/// <summary>The error catalog is the one home of the ids users match: complete, unique, each in use.</summary>
public sealed class ErrorCatalogTests
{
    private static readonly FieldInfo[] Entries = typeof(HydraErrors)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(HydraError))
        .ToArray();

    private static string[] SourceFiles() => Directory
        .GetFiles(Path.Combine(Repository.Root, "src"), "*.cs", SearchOption.AllDirectories)
        .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            && !f.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        .ToArray();

    [Fact]
    public void EachIdIsDefinedOnceNamedAsItsFieldWithOneOfItsOwnCategories()
    {
        var ids = Entries.Select(f => ((HydraError)f.GetValue(null)!).Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        foreach (var field in Entries)
        {
            var error = (HydraError)field.GetValue(null)!;
            Assert.Equal(field.Name, error.Id);
            Assert.Equal(error.Categories.Length, error.Categories.Distinct().Count());
        }

        Assert.Equal(Entries.Length, HydraErrors.All.Count);
    }

    [Fact]
    public void AnIdCannotBeRaisedUnderACategoryTheCatalogDoesNotGiveIt()
    {
        Assert.Equal(ErrorCategory.PermissionDenied, HydraErrors.TransferFailed.As(ErrorCategory.PermissionDenied).Category);
        Assert.Equal("TransferFailed", HydraErrors.TransferFailed.As(ErrorCategory.WriteError).Id);
        Assert.Throws<ArgumentException>(() => HydraErrors.SshSessionClosed.As(ErrorCategory.InvalidData));
        var ex = new HydraException(HydraErrors.SshSessionClosed, "gone");
        Assert.Equal(("SshSessionClosed", ErrorCategory.ConnectionError), (ex.ErrorId, ex.Category));
    }

    [Fact]
    public void EveryIdIsRaisedSomewhereAndNoSiteSpellsAnIdItself()
    {
        var catalog = Path.Combine("Infrastructure", "HydraErrors.cs");
        var code = string.Join("\n", SourceFiles().Where(f => !f.EndsWith(catalog, StringComparison.Ordinal)).Select(File.ReadAllText));

        var unused = Entries.Select(f => f.Name).Where(name => !Regex.IsMatch(code, @"\bHydraErrors\." + name + @"\b")).ToList();
        Assert.Empty(unused);

        // An id as a literal beside a category or in a HydraException is a second home for it.
        Assert.DoesNotMatch(new Regex(@"new(\s+HydraException)?\(\s*""\w+""\s*,\s*(System\.Management\.Automation\.)?ErrorCategory\."), code);
        Assert.DoesNotMatch(new Regex(@"new\s+ErrorRecord\([^;]*""\w+""\s*,\s*(System\.Management\.Automation\.)?ErrorCategory\."), code);
        Assert.DoesNotMatch(new Regex(@"ErrorId\s*(==|is)\s*"""), code);
    }
}
