using System;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using HydraMigration.Dump;

namespace HydraMigration.Commands;

/// <summary>
/// Lets -Manifest take what a user has at hand: the manifest object, a HydraDump, the path of a
/// manifest file, or the path of an archive whose manifest lies beside it.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class ManifestTransformationAttribute : ArgumentTransformationAttribute
{
    /// <inheritdoc />
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        switch (value)
        {
            case HydraDump dump:
                return dump.Manifest;
            case FileSystemInfo file:
                return Read(file.FullName);
            case string path:
                return Read(engineIntrinsics.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path));
            default:
                return value;
        }
    }

    private static DumpManifest Read(string path)
    {
        if (path.EndsWith(DumpManifest.FileSuffix, StringComparison.OrdinalIgnoreCase) && File.Exists(path))
        {
            return ManifestFile.Read(path);
        }

        return ManifestFile.ReadBeside(path)
            ?? throw new ArgumentTransformationMetadataException(string.Format(CultureInfo.InvariantCulture, "No manifest at '{0}' (nor '{1}' beside an archive of that name).", path, ManifestFile.PathFor(path)));
    }
}
