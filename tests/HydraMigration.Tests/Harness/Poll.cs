using System;
using System.Threading;

namespace HydraMigration.Tests.Harness;

public static class Poll
{
    /// <summary>Polls <paramref name="condition"/> every 100 ms for up to 15 s.</summary>
    public static bool Until(Func<bool> condition) => Until(condition, TimeSpan.FromSeconds(15));

    /// <summary>Polls <paramref name="condition"/> every 100 ms for up to <paramref name="timeout"/>.</summary>
    public static bool Until(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(100);
        }

        return false;
    }
}
