using System.Collections.Generic;

namespace HydraMigration.Tools;

/// <summary>
/// A POSIX sh function (dash, busybox ash, bash, ksh — no bash-isms) that runs a program so that
/// it cannot outlive whoever started it. It starts the program in a process group of its own
/// (setsid, where the host has it) with /dev/null as its input, and watches its own standard
/// input, which the starter holds open and never writes to. When that input ends — the module's
/// process died, even of SIGKILL, or the SSH channel closed — it stops the program's whole group
/// (TERM, then KILL for what is left) and removes what the step owned. It exits with the
/// program's status.
/// </summary>
/// <remarks>
/// Linux offers PR_SET_PDEATHSIG for this, but it must be set between fork and exec, which .NET's
/// Process cannot do; and an SSH channel has no such thing at all. A watched pipe is the one
/// signal both a killed local parent and a dropped SSH link give for certain: the kernel closes
/// the pipe's write end when its holder goes, whatever killed it.
/// Arguments: <c>hydra_guard ALWAYS UNLESS_OK ON_EOF PROGRAM [ARG...]</c> — a path removed at every
/// exit (a private folder the guard's own script made), a path removed unless the program
/// succeeds (its unfinished output), and a path removed only when the input ended (a private
/// folder its starter still needs after a normal end); each may be empty.
/// After the input ended the guard writes nothing: its stdout and stderr may lead nowhere, and a
/// write there would kill it (SIGPIPE) before it cleaned up. So both waits are silenced: dash
/// reports a job that died of a signal ("Terminated", "Killed") on stderr — the program stopped
/// after the input ended, and the watcher stopped after every normal end (a line that reached
/// -Verbose after every pg_dump).
/// </remarks>
internal static class ChildGuard
{
    /// <summary>The status the watcher ends with when its input ended.</summary>
    private const string EndOfInputStatus = "7";

    /// <summary>The function's definition; a script defines it, then calls <c>hydra_guard</c>.</summary>
    public const string Function = @"hydra_guard() {
  hg_always=$1; hg_failed=$2; hg_eof=$3; shift 3
  exec 3<&0
  if command -v setsid >/dev/null 2>&1; then hg_g=-; setsid ""$@"" </dev/null 3<&- & else hg_g=; ""$@"" </dev/null 3<&- & fi
  hg_c=$!
  ( while read -r _; do :; done; kill -TERM $hg_g$hg_c || kill -TERM $hg_c; exit " + EndOfInputStatus + @" ) <&3 >/dev/null 2>&1 &
  hg_w=$!
  exec 3<&-
  wait $hg_c 2>/dev/null; hg_s=$?
  kill $hg_w 2>/dev/null; wait $hg_w 2>/dev/null; hg_e=$?
  kill -KILL $hg_g$hg_c 2>/dev/null
  [ -z ""$hg_always"" ] || rm -rf -- ""$hg_always"" 2>/dev/null
  if [ $hg_e = " + EndOfInputStatus + @" ] || [ $hg_s != 0 ]; then [ -z ""$hg_failed"" ] || rm -rf -- ""$hg_failed"" 2>/dev/null; fi
  if [ $hg_e = " + EndOfInputStatus + @" ]; then [ -z ""$hg_eof"" ] || rm -rf -- ""$hg_eof"" 2>/dev/null; fi
  return $hg_s
}
";

    /// <summary>
    /// The argv for /bin/sh that runs <paramref name="program"/> under the guard on this computer;
    /// <paramref name="removeIfAbandoned"/> (at most one path, empty for none) is removed only when
    /// the module's process is gone.
    /// </summary>
    public static List<string> LocalArguments(string program, IReadOnlyList<string> arguments, string removeIfAbandoned, string removeIfFailedOrAbandoned)
    {
        var argv = new List<string> { "-c", Function + "hydra_guard \"$@\"", "hydra-guard", string.Empty, removeIfFailedOrAbandoned, removeIfAbandoned, program };
        argv.AddRange(arguments);
        return argv;
    }
}
