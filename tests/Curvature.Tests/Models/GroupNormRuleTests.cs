using Curvature.Models;

namespace Curvature.Tests.Models;

public class GroupNormRuleTests
{
    [Theory]
    [InlineData(16, 32, 8)]
    [InlineData(32, 32, 16)]
    [InlineData(64, 32, 32)]
    [InlineData(128, 32, 32)]
    [InlineData(48, 32, 24)]
    [InlineData(7, 32, 1)]
    [InlineData(1, 32, 1)]
    [InlineData(2, 32, 1)]
    [InlineData(64, 8, 8)]
    [InlineData(30, 8, 6)]
    public void Largest_divisor_within_the_bound_and_half_the_channels(int channels, int maxGroups, int expected)
    {
        int groups = GroupNormRule.Groups(channels, maxGroups);
        Assert.Equal(expected, groups);
        Assert.Equal(0, channels % groups);
    }

    [Fact]
    public void Every_group_holds_at_least_two_channels()
    {
        for (int c = 2; c <= 200; c++)
            Assert.True(c / GroupNormRule.Groups(c) >= 2, $"C = {c}");
    }
}
