using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text;

namespace HydraMigration.Tests.Harness;

/// <summary>
/// A PowerShell host that records what would reach a console (so a test can read how
/// Out-Default renders a format view) and fails any prompt: the module must never prompt on
/// its normal paths, and a prompt in a runbook is a hang.
/// </summary>
public sealed class CapturingHost : PSHost
{
    private readonly CapturingUI _ui = new();

    public override string Name => "HydraMigration.Tests";

    public override Version Version => new(1, 0);

    public override Guid InstanceId { get; } = Guid.NewGuid();

    public override PSHostUserInterface UI => _ui;

    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;

    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

    /// <summary>Everything written to the console so far.</summary>
    public string Text => _ui.Text;

    /// <summary>Prompts that were attempted (each also failed the command).</summary>
    public IReadOnlyList<string> Prompts => _ui.Prompts;

    public void ClearText() => _ui.Clear();

    public override void SetShouldExit(int exitCode)
    {
    }

    public override void EnterNestedPrompt() => throw new NotSupportedException();

    public override void ExitNestedPrompt() => throw new NotSupportedException();

    public override void NotifyBeginApplication()
    {
    }

    public override void NotifyEndApplication()
    {
    }

    private sealed class CapturingUI : PSHostUserInterface
    {
        private readonly StringBuilder _text = new();
        private readonly List<string> _prompts = new();

        public override PSHostRawUserInterface RawUI { get; } = new WideRawUI();

        public string Text
        {
            get
            {
                lock (_text)
                {
                    // Views are compared as text: drop the ANSI colour codes the engine adds to headers.
                    return System.Text.RegularExpressions.Regex.Replace(_text.ToString(), "\x1b\\[[0-9;]*m", string.Empty);
                }
            }
        }

        public IReadOnlyList<string> Prompts => _prompts;

        public void Clear()
        {
            lock (_text)
            {
                _text.Clear();
            }
        }

        public override string ReadLine() => Refuse("ReadLine");

        public override SecureString ReadLineAsSecureString() => throw Prompted("ReadLineAsSecureString");

        public override void Write(string value) => Append(value);

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Append(value);

        public override void WriteLine(string value) => Append(value + "\n");

        public override void WriteErrorLine(string value) => Append(value + "\n");

        public override void WriteDebugLine(string message)
        {
        }

        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
        }

        public override void WriteVerboseLine(string message)
        {
        }

        public override void WriteWarningLine(string message)
        {
        }

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw Prompted("Prompt: " + message);

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) => throw Prompted("PromptForChoice: " + message);

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw Prompted("PromptForCredential");

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw Prompted("PromptForCredential");

        private string Refuse(string what) => throw Prompted(what);

        private InvalidOperationException Prompted(string what)
        {
            lock (_prompts)
            {
                _prompts.Add(what);
            }

            return new InvalidOperationException("The test host refuses to prompt (" + what + ").");
        }

        private void Append(string value)
        {
            lock (_text)
            {
                _text.Append(value);
            }
        }
    }

    private sealed class WideRawUI : PSHostRawUserInterface
    {
        public override ConsoleColor BackgroundColor { get; set; }

        public override Size BufferSize { get; set; } = new(200, 3000);

        public override Coordinates CursorPosition { get; set; }

        public override int CursorSize { get; set; }

        public override ConsoleColor ForegroundColor { get; set; }

        public override bool KeyAvailable => false;

        public override Size MaxPhysicalWindowSize => new(200, 100);

        public override Size MaxWindowSize => new(200, 100);

        public override Coordinates WindowPosition { get; set; }

        public override Size WindowSize { get; set; } = new(200, 100);

        public override string WindowTitle { get; set; } = string.Empty;

        public override void FlushInputBuffer()
        {
        }

        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => new BufferCell[0, 0];

        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException("The test host has no keyboard.");

        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill)
        {
        }

        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents)
        {
        }

        public override void SetBufferContents(Rectangle rectangle, BufferCell fill)
        {
        }
    }
}
