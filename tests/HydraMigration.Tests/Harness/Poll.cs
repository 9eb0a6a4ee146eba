using System;
using System.Threading;

namespace HydraMigration.Tests.Harness;

public static class Poll
{
    /// <summary>Polls <paramref name="condition"/> every 100 ms for up to 15 s.</summary>
    public static bool Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
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
