using System;
using System.Linq;
using System.Management.Automation;
using HydraMigration.Archive;

namespace HydraMigration.Commands;

/// <summary>
/// <para type="synopsis">Lists the table of contents of a dump archive.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "HydraDumpContent", HelpUri = "https://github.com/hydramigration/HydraMigration/blob/main/README.md")]
[OutputType(typeof(HydraDumpEntry))]
public sealed class GetHydraDumpContentCommand : HydraCmdlet
{
    /// <summary>The archive (file, or folder for directory format); a HydraDump or a file object binds by its Path/FullName.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var path = GetUnresolvedProviderPathFromPSPath(Path);
        try
        {
            var toc = ArchiveReader.Read(path);
            foreach (var entry in toc.Entries.Where(e => e.IsSelectable))
            {
                WriteObject(new HydraDumpEntry(path, entry.DumpId, entry.Desc, entry.Namespace, entry.Tag, NullIfEmpty(entry.Owner), NullIfEmpty(entry.TableAccessMethod), entry.DataSize, SectionName(entry.Section)));
            }
        }
        catch (HydraException ex)
        {
            WriteHydraError(ex);
        }
        catch (Exception ex) when (ex is System.IO.IOException or UnauthorizedAccessException)
        {
            WriteError(HydraErrors.ArchiveReadFailed.ToRecord(ex, path));
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string SectionName(int section) => section switch
    {
        2 => "PreData",
        3 => "Data",
        4 => "PostData",
        _ => "None",
    };
}
