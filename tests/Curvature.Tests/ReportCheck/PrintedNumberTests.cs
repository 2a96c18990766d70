using Curvature.ReportCheck;

namespace Curvature.Tests.ReportCheck;

/// <summary>A printed number equals a recorded one when it is within half a unit of its last printed digit.</summary>
public sealed class PrintedNumberTests
{
    [Theory]
    [InlineData("14.2", 14.249)]
    [InlineData("14.2", 14.15)]          // exactly half a unit: a correct rounding (half-even or half-up) may print it
    [InlineData("14.2", 14.25)]
    [InlineData("1.25e-05", 1.2549e-5)]
    [InlineData("1.25E-05", 1.2451e-5)]
    [InlineData("-3", -3.4)]
    [InlineData("-3", -2.5)]
    [InlineData("0.934", 0.93412)]
    [InlineData("0", 0.0)]
    [InlineData("20000", 20000.0)]
    [InlineData("1e6", 1.4e6)]           // one significant digit in the exponent form: unit 1e6
    [InlineData("0.1", 0.1)]
    [InlineData("1.7976931348623157e308", double.MaxValue)]
    public void WithinHalfAUnitMatches(string text, double recorded) => Assert.True(PrintedNumber.Matches(text, recorded));

    [Theory]
    [InlineData("14.2", 14.26)]
    [InlineData("14.2", 14.1499)]
    [InlineData("14.20", 14.249)]        // a printed trailing zero claims the extra digit
    [InlineData("1.25e-05", 1.2551e-5)]
    [InlineData("1.25e-05", 1.25e-4)]
    [InlineData("-3", 3.0)]
    [InlineData("-3", -3.51)]
    [InlineData("0", 0.6)]
    [InlineData("1e6", 1.6e6)]
    public void BeyondHalfAUnitDoesNotMatch(string text, double recorded) => Assert.False(PrintedNumber.Matches(text, recorded));

    [Theory]
    [InlineData("1,234")]               // thousands separator
    [InlineData("1 234")]
    [InlineData("14,2")]                // decimal comma
    [InlineData("93.4%")]
    [InlineData("\u22123")]             // U+2212 MINUS SIGN
    [InlineData("+3")]
    [InlineData(".5")]
    [InlineData("5.")]
    [InlineData("1e")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("n/a")]
    [InlineData("")]
    public void NonInvariantTextIsNotANumber(string text)
    {
        Assert.False(PrintedNumber.TryParse(text, out _, out _));
        Assert.False(PrintedNumber.Matches(text, 3.0));
    }

    [Theory]
    [InlineData("14.2", 14.2, 0.05)]
    [InlineData("-3", -3.0, 0.5)]
    [InlineData("1.25e-05", 1.25e-5, 5e-8)]
    [InlineData("12e2", 1200.0, 50.0)]
    public void HalfUnitComesFromDecimalsAndExponent(string text, double value, double halfUnit)
    {
        Assert.True(PrintedNumber.TryParse(text, out double parsed, out double half));
        Assert.Equal(value, parsed);
        Assert.Equal(halfUnit, half, halfUnit * PrintedNumber.RoundOffSlack);
    }
}
