using System;
using System.Collections.Generic;
using System.IO;

namespace HydraMigration.Tests.Harness;

/// <summary>
/// Headless Chromium (Debian's chromium package) rendering a local page: the DOM after layout
/// (--dump-dom) and a screenshot. Each run gets a fresh profile folder; --log-level=3 keeps its
/// chatter (no D-Bus in a container) out of the way, and no network is touched.
/// </summary>
public static class Chromium
{
    private static readonly string[] Flags = { "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-dev-shm-usage", "--log-level=3" };

    public static string DumpDom(string page) => Run(page, "--dump-dom");

    /// <summary>Renders <paramref name="page"/> into <paramref name="png"/> at 1200×900 (or the given height).</summary>
    public static void Screenshot(string page, string png, int height = 900) => Run(page, "--screenshot=" + png, "--window-size=1200," + height);

    private static string Run(string page, params string[] extra)
    {
        var profile = Path.Combine(Path.GetTempPath(), "chromium-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(profile);
        try
        {
            var arguments = new List<string>(Flags) { "--user-data-dir=" + profile };
            arguments.AddRange(extra);
            arguments.Add(new Uri(page).AbsoluteUri);
            return ExternalCommand.Run("chromium", arguments, new Dictionary<string, string> { ["DBUS_SESSION_BUS_ADDRESS"] = "disabled:" }, timeoutSeconds: 60);
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }
}
