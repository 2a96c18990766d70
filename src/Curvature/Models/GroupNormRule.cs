namespace Curvature.Models;

/// <summary>How many groups a <see cref="NormKind.Group"/> layer uses for C channels.</summary>
public static class GroupNormRule
{
    /// <summary>Default upper bound on the number of groups: G = 32 is the default of Wu &amp; He 2018 (Group
    /// Normalization, §3.1 and Table 3).</summary>
    public const int DefaultMaxGroups = 32;

    /// <summary>The number of groups for <paramref name="channels"/> channels: the largest divisor of C that is at
    /// most min(<paramref name="maxGroups"/>, C/2), and 1 for C = 1. The cap C/2 keeps at least two channels in
    /// every group (a group of one feature after a Linear has zero variance and the layer would output its bias).
    /// Examples with the default bound 32: C = 16 → 8, C = 32 → 16, C = 64 → 32, C = 48 → 24, C = 7 → 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">C or the bound is below 1.</exception>
    public static int Groups(int channels, int maxGroups = DefaultMaxGroups)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxGroups, 1);
        int bound = Math.Max(1, Math.Min(maxGroups, channels / 2));
        for (int g = bound; g > 1; g--)
            if (channels % g == 0) return g;
        return 1;
    }
}
