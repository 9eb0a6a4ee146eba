using System;
using System.Management.Automation;
using HydraMigration.Database;

namespace HydraMigration.Commands;

/// <summary>
/// The CREATE DATABASE options, shared by New-HydraDatabase and Restore-HydraDump
/// -CreateDatabase so that both spell and mean them the same.
/// </summary>
public abstract class HydraDatabaseOptionsCmdlet : HydraServerCmdlet
{
    #region Database options

    /// <summary>Encoding (default UTF8).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Encoding { get; set; } = "UTF8";

    /// <summary>LC_COLLATE and LC_CTYPE together.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Locale { get; set; }

    /// <summary>LC_COLLATE (overrides -Locale).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LcCollate { get; set; }

    /// <summary>LC_CTYPE (overrides -Locale).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LcCtype { get; set; }

    /// <summary>Template database (default template0).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Template { get; set; } = "template0";

    /// <summary>Owning role.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Owner { get; set; }

    /// <summary>Default tablespace.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Tablespace { get; set; }

    /// <summary>Extensions to create inside the new database (e.g. columnar).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Extension { get; set; } = Array.Empty<string>();

    #endregion

    /// <summary>A request to create <paramref name="name"/> with these options, through <paramref name="server"/>.</summary>
    internal DatabaseRequest DatabaseRequestFor(HydraConnection server, string name) => new(server, name)
    {
        Encoding = Encoding,
        LcCollate = LcCollate ?? Locale,
        LcCtype = LcCtype ?? Locale,
        Template = Template,
        Owner = Owner,
        Tablespace = Tablespace,
        Extensions = Extension,
    };

    /// <summary>What -WhatIf and -Confirm say about creating a database.</summary>
    internal string CreateAction => "Create database (encoding " + Encoding + ", template " + Template + ")";
}
