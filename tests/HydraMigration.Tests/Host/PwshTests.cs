using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Host;

/// <summary>The module in a real pwsh process, imported by its manifest as a user imports it.</summary>
public sealed class PwshTests
{
    [Fact]
    public void ARealPwshImportsTheModuleByPath()
    {
        var result = Pwsh.Run(@"$ErrorActionPreference = 'Stop'
Import-Module $env:HYDRA_MODULE
'{0}|{1}' -f $PSVersionTable.PSVersion, (Get-Command -Module HydraMigration).Count");
        Assert.True(result.ExitCode == 0, result.Output + result.Errors);
        var parts = result.Output.Trim().Split('|');
        Assert.StartsWith(Pwsh.Version, parts[0], System.StringComparison.Ordinal);
        Assert.True(int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) >= 10, result.Output);
    }
}
