using System;
using System.Threading;

namespace HydraMigration.Tests.Harness;

public static class Poll
{
    /// <summary>Polls <paramref name="condition"/> every 100 ms for up to 15 s.</summary>
    public static bool Until(Func<bool> condition) => Until(condition, TimeSpan.FromSeconds(15));

    /// <summary>Polls <paramref name="condition"/> every 100 ms for up to <paramref name="timeout"/>.</summary>
    public static bool Until(Func<bool> condition, TimeSpan timeout) => Until(condition, timeout, TimeSpan.FromMilliseconds(100));

    /// <summary>Polls <paramref name="condition"/> every <paramref name="interval"/> for up to <paramref name="timeout"/> (short for a moment that passes quickly).</summary>
    public static bool Until(Func<bool> condition, TimeSpan timeout, TimeSpan interval)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(interval);
        }

        return false;
    }
}
