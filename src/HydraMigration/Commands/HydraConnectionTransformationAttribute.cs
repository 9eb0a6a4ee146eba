using System;
using System.Management.Automation;
using HydraMigration.Connections;

namespace HydraMigration.Commands;

/// <summary>
/// Lets a connection parameter take what a CSV or a user has at hand: a HydraConnection, or a
/// libpq URI / key=value string parsed as New-HydraConnection -ConnectionString parses it. A
/// password inside such a string works but does not belong in a CSV: leave it to PGPASSFILE
/// (.pgpass) or pass HydraConnection objects made with -Credential.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class HydraConnectionTransformationAttribute : ArgumentTransformationAttribute
{
    /// <inheritdoc />
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is string text)
        {
            try
            {
                return HydraConnectionFactory.Create(ConnectionStringParser.Parse(text), null);
            }
            catch (HydraException ex)
            {
                throw new ArgumentTransformationMetadataException(ex.Message, ex);
            }
        }

        return value;
    }
}
