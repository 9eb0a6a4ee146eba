using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using HydraMigration.Tests.Harness;

namespace HydraMigration.Tests.Module;

/// <summary>
/// The MAML help (en-US/HydraMigration.dll-Help.xml, kept by hand) checked against the code as the
/// engine sees it: every cmdlet's parameters — the dynamic -Ssh* ones too —, aliases, parameter
/// sets (one syntax item each), types, mandatory, position, pipeline input and switches; that
/// examples use only parameters the cmdlets have and prose names only parameters that exist; and
/// the syntax as Get-Help renders it in a real pwsh. The failure lists every drift, one line
/// each, so whoever adds or changes a parameter sees exactly what to write in the help.
/// </summary>
/// <remarks>
/// The help stays hand-written (its descriptions and examples are the valuable part, and no XML
/// doc comment says as much) with this test as the guard, rather than generated at build time:
/// generating the syntax needs the built module loaded into a PowerShell engine during the build.
/// </remarks>
public sealed class HelpMatchesCodeTests : IDisposable
{
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    /// <summary>Common parameters the engine adds and documents itself; -WhatIf and -Confirm are the cmdlet's own and documented by it.</summary>
    private static readonly HashSet<string> EngineParameters = new(Cmdlet.CommonParameters.Concat(new[] { "UseTransaction" }), StringComparer.OrdinalIgnoreCase);

    private readonly PowerShellSession _ps = new();

    public void Dispose() => _ps.Dispose();

    [Fact]
    public void TheHelpFileDescribesEveryCmdletExactlyAsTheCodeDefinesIt()
    {
        var commands = _ps.Run("Get-Command -Module HydraMigration -CommandType Cmdlet").Output.Select(o => (CmdletInfo)o.BaseObject).ToList();
        Assert.NotEmpty(commands);
        Assert.Contains(commands, c => c.Parameters.Values.Any(p => p.IsDynamic)); // the -Ssh* login parameters are in what is checked

        var help = XDocument.Load(Path.Combine(Repository.ModuleFolder, "en-US", "HydraMigration.dll-Help.xml"))
            .Descendants(Command + "command").ToList();
        var drift = new List<string>();
        foreach (var name in help.Select(CommandName).Except(commands.Select(c => c.Name), StringComparer.OrdinalIgnoreCase))
        {
            drift.Add($"{name}: the help describes a cmdlet the module does not have; remove its <command:command>.");
        }

        foreach (var command in commands.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            var entries = help.Where(h => string.Equals(CommandName(h), command.Name, StringComparison.OrdinalIgnoreCase)).ToList();
            if (entries.Count != 1)
            {
                drift.Add($"{command.Name}: the help has {entries.Count} <command:command> entries for it; it needs exactly one.");
                continue;
            }

            CompareText(command, entries[0], drift);
            CompareSyntax(command, entries[0], drift);
            CompareParameters(command, entries[0], drift);
            CompareExamples(command, entries[0], commands, drift);
        }

        CompareMentions(help, commands, drift);
        CompareRendering(commands, drift);
        Assert.True(drift.Count == 0, "The help (src/HydraMigration/en-US/HydraMigration.dll-Help.xml) does not match the code in "
            + drift.Count + " places:\n  " + string.Join("\n  ", drift));
    }

    private static void CompareText(CmdletInfo command, XElement entry, List<string> drift)
    {
        if (Paragraphs(entry.Element(Command + "details")?.Element(Maml + "description")).Length == 0)
        {
            drift.Add($"{command.Name}: no synopsis (<command:details><maml:description>).");
        }

        if (Paragraphs(entry.Element(Maml + "description")).Length < 40)
        {
            drift.Add($"{command.Name}: no description (<maml:description> under <command:command>, at least a sentence).");
        }

        var examples = entry.Element(Command + "examples")?.Elements(Command + "example").ToList() ?? new List<XElement>();
        if (examples.Count == 0)
        {
            drift.Add($"{command.Name}: no example (<command:examples><command:example>).");
        }

        foreach (var example in examples.Where(e => string.IsNullOrWhiteSpace(e.Element(Dev + "code")?.Value)))
        {
            drift.Add($"{command.Name}: example '{example.Element(Maml + "title")?.Value.Trim()}' has no code (<dev:code>).");
        }
    }

    /// <summary>Each parameter set is one syntax item with exactly its parameters, each as the set defines it.</summary>
    private static void CompareSyntax(CmdletInfo command, XElement entry, List<string> drift)
    {
        var items = entry.Element(Command + "syntax")?.Elements(Command + "syntaxItem").ToList() ?? new List<XElement>();
        var unmatched = new List<XElement>(items);
        foreach (var set in command.ParameterSets)
        {
            var parameters = set.Parameters.Where(p => !EngineParameters.Contains(p.Name)).ToList();
            var names = parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var item = unmatched.FirstOrDefault(i => SyntaxNames(i).SetEquals(names));
            if (item is null)
            {
                var nearest = unmatched.OrderByDescending(i => SyntaxNames(i).Intersect(names, StringComparer.OrdinalIgnoreCase).Count()).FirstOrDefault();
                var detail = nearest is null ? "there is no syntax item left for it" : string.Format(CultureInfo.InvariantCulture,
                    "the nearest syntax item lacks [{0}] and has [{1}] that the set does not",
                    string.Join(", ", names.Except(SyntaxNames(nearest), StringComparer.OrdinalIgnoreCase).Select(n => "-" + n)),
                    string.Join(", ", SyntaxNames(nearest).Except(names, StringComparer.OrdinalIgnoreCase).Select(n => "-" + n)));
                drift.Add($"{command.Name}: parameter set '{set.Name}' ({string.Join(" ", parameters.Select(p => "-" + p.Name))}) has no syntax item with exactly its parameters; {detail}.");
                continue;
            }

            unmatched.Remove(item);
            foreach (var parameter in parameters)
            {
                var documented = item.Elements(Command + "parameter").First(p => string.Equals(Name(p), parameter.Name, StringComparison.OrdinalIgnoreCase));
                var where = $"{command.Name} syntax '{set.Name}' -{parameter.Name}";
                Expect(drift, where, "required", Attribute(documented, "required"), Bool(parameter.IsMandatory));
                Expect(drift, where, "position", Attribute(documented, "position"), Position(parameter.Position));
                Expect(drift, where, "pipelineInput", Attribute(documented, "pipelineInput"), PipelineInput(new[] { parameter }));
                var value = documented.Element(Command + "parameterValue");
                if (parameter.ParameterType == typeof(SwitchParameter))
                {
                    if (value is not null)
                    {
                        drift.Add($"{where}: a switch must have no <command:parameterValue>, or Get-Help shows [-{parameter.Name} <SwitchParameter>] instead of [-{parameter.Name}].");
                    }
                }
                else if (value is null)
                {
                    drift.Add($"{where}: <command:parameterValue> missing; it takes a {TypeName(parameter.ParameterType)}.");
                }
                else
                {
                    Expect(drift, where, "<command:parameterValue>", value.Value.Trim(), TypeName(parameter.ParameterType));
                }
            }
        }

        foreach (var item in unmatched)
        {
            drift.Add($"{command.Name}: syntax item ({string.Join(" ", SyntaxNames(item).Select(n => "-" + n))}) matches no parameter set of the code; remove it or make it one set's parameters.");
        }
    }

    /// <summary>Every parameter once, with a description, its type, aliases, and what holds in every set it is in.</summary>
    private static void CompareParameters(CmdletInfo command, XElement entry, List<string> drift)
    {
        var documented = entry.Element(Command + "parameters")?.Elements(Command + "parameter").ToList() ?? new List<XElement>();
        var code = command.Parameters.Values.Where(p => !EngineParameters.Contains(p.Name)).ToList();
        foreach (var name in documented.Select(Name).GroupBy(n => n, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            drift.Add($"{command.Name} -{name.Key}: documented {name.Count()} times in <command:parameters>; keep one.");
        }

        foreach (var extra in documented.Select(Name).Where(n => !code.Any(p => string.Equals(p.Name, n, StringComparison.OrdinalIgnoreCase))).Distinct())
        {
            drift.Add($"{command.Name} -{extra}: documented, but the cmdlet has no such parameter; remove it.");
        }

        foreach (var parameter in code.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            var where = $"{command.Name} -{parameter.Name}";
            var element = documented.FirstOrDefault(p => string.Equals(Name(p), parameter.Name, StringComparison.OrdinalIgnoreCase));
            if (element is null)
            {
                drift.Add($"{where}: not in <command:parameters>; add it with a description{(parameter.IsDynamic ? " (a dynamic parameter, from SshLoginParameters)" : string.Empty)}.");
                continue;
            }

            var description = Paragraphs(element.Element(Maml + "description"));
            if (description.Length < 10)
            {
                drift.Add($"{where}: no description.");
            }

            var sets = command.ParameterSets.SelectMany(s => s.Parameters.Where(p => p.Name == parameter.Name)).ToList();
            var required = sets.Select(p => Bool(p.IsMandatory)).Distinct().ToList();
            var position = sets.Select(p => Position(p.Position)).Distinct().ToList();
            Expect(drift, where, "required", Attribute(element, "required"), required.Count == 1 ? required[0] : null, required);
            Expect(drift, where, "position", Attribute(element, "position"), position.Count == 1 ? position[0] : null, position);
            Expect(drift, where, "pipelineInput", Attribute(element, "pipelineInput"), PipelineInput(sets));
            Expect(drift, where, "<dev:type>", element.Element(Dev + "type")?.Element(Maml + "name")?.Value.Trim() ?? string.Empty, TypeName(parameter.ParameterType));
            var value = element.Element(Command + "parameterValue");
            if (parameter.SwitchParameter && value is not null)
            {
                drift.Add($"{where}: a switch must have no <command:parameterValue>.");
            }
            else if (!parameter.SwitchParameter)
            {
                Expect(drift, where, "<command:parameterValue>", value?.Value.Trim() ?? string.Empty, TypeName(parameter.ParameterType));
            }

            var aliases = parameter.Aliases.OrderBy(a => a, StringComparer.Ordinal).ToList();
            Expect(drift, where, "aliases", Attribute(element, "aliases"), aliases.Count == 0 ? "none" : string.Join(", ", aliases));

            // Descriptions name aliases in prose ("Aliases: Host, ComputerName."); a removed alias must leave the prose too.
            var named = Regex.Matches(description, @"\bAlias(?:es)?: ([^.]+)\.").SelectMany(m => m.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
            foreach (var alias in named.Where(a => !aliases.Contains(a, StringComparer.OrdinalIgnoreCase)))
            {
                drift.Add($"{where}: the description names alias '{alias}', which the code does not have (its aliases: {(aliases.Count == 0 ? "none" : string.Join(", ", aliases))}).");
            }
        }
    }

    /// <summary>Examples call the module's cmdlets only with parameters (or aliases) they have.</summary>
    private static void CompareExamples(CmdletInfo command, XElement entry, IReadOnlyList<CmdletInfo> commands, List<string> drift)
    {
        var examples = entry.Element(Command + "examples")?.Elements(Command + "example") ?? Enumerable.Empty<XElement>();
        foreach (var (example, number) in examples.Select((e, i) => (e, i + 1)))
        {
            var code = example.Element(Dev + "code")?.Value ?? string.Empty;
            var ast = Parser.ParseInput(code, out _, out var errors);
            if (errors.Length > 0)
            {
                drift.Add($"{command.Name} example {number}: does not parse ({errors[0].Message}).");
                continue;
            }

            foreach (var call in ast.FindAll(a => a is CommandAst, searchNestedScriptBlocks: true).Cast<CommandAst>())
            {
                var called = commands.FirstOrDefault(c => string.Equals(c.Name, call.GetCommandName(), StringComparison.OrdinalIgnoreCase));
                if (called is null)
                {
                    continue;
                }

                foreach (var parameter in call.CommandElements.OfType<CommandParameterAst>())
                {
                    if (!EngineParameters.Contains(parameter.ParameterName) && !called.Parameters.Values.Any(p => Names(p).Contains(parameter.ParameterName, StringComparer.OrdinalIgnoreCase)))
                    {
                        drift.Add($"{command.Name} example {number}: {called.Name} has no parameter -{parameter.ParameterName}.");
                    }
                }
            }
        }
    }

    /// <summary>
    /// Prose that names a parameter ("give -Jobs 4", "the -Ssh* parameters") names one that exists:
    /// one of this module's, or of PowerShell's own cmdlets (-Parallel of ForEach-Object).
    /// </summary>
    private void CompareMentions(IReadOnlyList<XElement> help, IReadOnlyList<CmdletInfo> commands, List<string> drift)
    {
        var known = commands.SelectMany(c => c.Parameters.Values).SelectMany(Names)
            .Concat(EngineParameters)
            .Concat(_ps.Run("Get-Command -CommandType Cmdlet -Module Microsoft.PowerShell.Core, Microsoft.PowerShell.Utility, Microsoft.PowerShell.Management | ForEach-Object { $_.Parameters.Keys }").Output.Select(o => o.ToString()))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in help)
        {
            var prose = entry.Descendants(Maml + "para").Select(p => p.Value);
            foreach (Match mention in prose.SelectMany(p => Regex.Matches(p, @"(?<![\w-])-([A-Z][A-Za-z]{2,})(\*?)")).Distinct(new MentionComparer()))
            {
                var name = mention.Groups[1].Value;
                var wildcard = mention.Groups[2].Length > 0;
                if (wildcard ? !known.Any(k => k.StartsWith(name, StringComparison.OrdinalIgnoreCase)) : !known.Contains(name))
                {
                    drift.Add($"{CommandName(entry)}: the text mentions -{name}{mention.Groups[2].Value}, which no cmdlet has; say what it is now.");
                }
            }
        }
    }

    /// <summary>What users read: the syntax as Get-Help renders it from the file in a real pwsh.</summary>
    private static void CompareRendering(IReadOnlyList<CmdletInfo> commands, List<string> drift)
    {
        var result = Pwsh.Run(@"$ErrorActionPreference = 'Stop'
Import-Module $env:HYDRA_MODULE
foreach ($command in Get-Command -Module HydraMigration -CommandType Cmdlet) {
    '### ' + $command.Name
    Get-Help $command.Name | Select-Object -ExpandProperty syntax | Out-String -Width 4096
}");
        if (result.ExitCode != 0)
        {
            drift.Add("Get-Help failed in pwsh: " + result.Output + result.Errors);
            return;
        }

        var rendered = result.Output.Split("### ", StringSplitOptions.RemoveEmptyEntries)
            .Select(block => block.Split('\n', 2))
            .ToDictionary(parts => parts[0].Trim(), parts => parts.Length > 1 ? parts[1] : string.Empty, StringComparer.OrdinalIgnoreCase);
        foreach (var command in commands)
        {
            if (!rendered.TryGetValue(command.Name, out var syntax) || !syntax.Contains(command.Name, StringComparison.Ordinal))
            {
                drift.Add($"{command.Name}: Get-Help shows no syntax for it.");
                continue;
            }

            foreach (var parameter in command.Parameters.Values.Where(p => p.SwitchParameter && !EngineParameters.Contains(p.Name)))
            {
                if (Regex.IsMatch(syntax, "-" + parameter.Name + @"\s*<", RegexOptions.IgnoreCase))
                {
                    drift.Add($"{command.Name} -{parameter.Name}: Get-Help shows the switch with a value ([-{parameter.Name} <...>]); it must read [-{parameter.Name}].");
                }
            }
        }
    }

    private static void Expect(List<string> drift, string where, string what, string actual, string? expected, IReadOnlyCollection<string>? allowed = null)
    {
        var ok = expected is not null ? string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase) : allowed!.Contains(actual, StringComparer.OrdinalIgnoreCase);
        if (!ok)
        {
            drift.Add($"{where}: {what} is \"{actual}\" in the help, but \"{expected ?? string.Join("\" or \"", allowed!)}\" in the code.");
        }
    }

    private static IEnumerable<string> Names(ParameterMetadata parameter) => parameter.Aliases.Prepend(parameter.Name);

    private static string CommandName(XElement command) => command.Element(Command + "details")?.Element(Command + "name")?.Value.Trim() ?? string.Empty;

    private static string Name(XElement parameter) => parameter.Element(Maml + "name")?.Value.Trim() ?? string.Empty;

    private static HashSet<string> SyntaxNames(XElement item) => item.Elements(Command + "parameter").Select(Name).ToHashSet(StringComparer.OrdinalIgnoreCase);

    private static string Attribute(XElement element, string name) => element.Attribute(name)?.Value ?? string.Empty;

    private static string Paragraphs(XElement? description) =>
        description is null ? string.Empty : string.Join(" ", description.Elements(Maml + "para").Select(p => p.Value.Trim())).Trim();

    private static string Bool(bool value) => value ? "true" : "false";

    private static string Position(int position) => position == int.MinValue ? "named" : position.ToString(CultureInfo.InvariantCulture);

    private static string PipelineInput(IEnumerable<CommandParameterInfo> sets)
    {
        var list = sets.ToList();
        var kinds = new List<string>();
        if (list.Any(p => p.ValueFromPipeline))
        {
            kinds.Add("ByValue");
        }

        if (list.Any(p => p.ValueFromPipelineByPropertyName))
        {
            kinds.Add("ByPropertyName");
        }

        return kinds.Count == 0 ? "false" : "true (" + string.Join(", ", kinds) + ")";
    }

    private static string TypeName(Type type)
    {
        var element = Nullable.GetUnderlyingType(type) ?? type;
        return element.Name;
    }

    private sealed class MentionComparer : IEqualityComparer<Match>
    {
        public bool Equals(Match? x, Match? y) => string.Equals(x?.Value, y?.Value, StringComparison.OrdinalIgnoreCase);

        public int GetHashCode(Match obj) => StringComparer.OrdinalIgnoreCase.GetHashCode(obj.Value);
    }
}
