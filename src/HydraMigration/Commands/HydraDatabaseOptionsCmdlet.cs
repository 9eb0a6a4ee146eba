using System.Linq;
using System.Management.Automation;
using HydraMigration.Database;

namespace HydraMigration.Commands;

/// <summary>
/// The CREATE DATABASE options, shared by New-HydraDatabase and Restore-HydraDump
/// -CreateDatabase so that both spell and mean them the same. They bind straight into the engine's
/// request (where their defaults live), so there is no copy step between the two.
/// </summary>
public abstract class HydraDatabaseOptionsCmdlet : HydraServerCmdlet
{
    // A reference, so the engine type loads only when a cmdlet is made, after the module's initializer.
    private readonly DatabaseRequest _options = new();

    #region Database options

    /// <summary>Encoding (default UTF8).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Encoding { get => _options.Encoding; set => _options.Encoding = value; }

    /// <summary>LC_COLLATE and LC_CTYPE together.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Locale { get => _options.Locale; set => _options.Locale = value; }

    /// <summary>LC_COLLATE (overrides -Locale).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LcCollate { get => _options.LcCollate; set => _options.LcCollate = value; }

    /// <summary>LC_CTYPE (overrides -Locale).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LcCtype { get => _options.LcCtype; set => _options.LcCtype = value; }

    /// <summary>Template database (default template0).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Template { get => _options.Template; set => _options.Template = value; }

    /// <summary>Owning role.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Owner { get => _options.Owner; set => _options.Owner = value; }

    /// <summary>Default tablespace.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Tablespace { get => _options.Tablespace; set => _options.Tablespace = value; }

    /// <summary>Extensions to create inside the new database (e.g. columnar).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Extension { get => _options.Extensions.ToArray(); set => _options.Extensions = value; }

    #endregion

    /// <summary>The database options as bound (no server or name yet: <see cref="DatabaseRequest.For"/> adds them).</summary>
    internal DatabaseRequest DatabaseOptions() => _options;
}
