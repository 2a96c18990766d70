using System.Text.Json;
using Curvature.ReportCheck;

namespace Curvature.Tests.ReportCheck;

/// <summary>JSON Pointer resolution against the examples of RFC 6901 §5 and its error cases.</summary>
public sealed class JsonPointerTests
{
    /// <summary>The example document of RFC 6901 §5.</summary>
    const string Rfc6901Example = """
        { "foo": ["bar", "baz"], "": 0, "a/b": 1, "c%d": 2, "e^f": 3, "g|h": 4, "i\\j": 5, "k\"l": 6, " ": 7, "m~n": 8 }
        """;

    [Theory]
    [InlineData("/foo/0", "\"bar\"")]
    [InlineData("/foo/1", "\"baz\"")]
    [InlineData("/", "0")]
    [InlineData("/a~1b", "1")]
    [InlineData("/c%d", "2")]
    [InlineData("/e^f", "3")]
    [InlineData("/g|h", "4")]
    [InlineData("/i\\j", "5")]
    [InlineData("/k\"l", "6")]
    [InlineData("/ ", "7")]
    [InlineData("/m~0n", "8")]
    public void ResolvesTheRfcExamples(string pointer, string expected)
    {
        using var document = JsonDocument.Parse(Rfc6901Example);
        Assert.True(JsonPointer.TryResolve(document.RootElement, pointer, out var value, out string problem), problem);
        Assert.Equal(expected, value.GetRawText());
    }

    [Fact]
    public void EmptyPointerIsTheWholeDocument()
    {
        using var document = JsonDocument.Parse(Rfc6901Example);
        Assert.True(JsonPointer.TryResolve(document.RootElement, "", out var value, out _));
        Assert.Equal(JsonValueKind.Object, value.ValueKind);
    }

    [Theory]
    [InlineData("foo", "is not a JSON pointer (it must be empty or start with '/')")]
    [InlineData("/foo/2", "does not resolve: '2' is not an index of the 2-element array at '/foo'")]
    [InlineData("/foo/-", "does not resolve: '-' is not an index of the 2-element array at '/foo'")]
    [InlineData("/foo/01", "does not resolve: '01' is not an index of the 2-element array at '/foo'")]
    [InlineData("/foo/+1", "does not resolve: '+1' is not an index of the 2-element array at '/foo'")]
    [InlineData("/a/b", "does not resolve: no member 'a' at the root")]
    [InlineData("/m~2n", "has a bad escape in 'm~2n' (only ~0 and ~1 are allowed)")]
    [InlineData("/m~", "has a bad escape in 'm~' (only ~0 and ~1 are allowed)")]
    [InlineData("/a~1b/x", "does not resolve: '/a~1b' is a number, not an object or array")]
    public void NamesTheStepThatFails(string pointer, string expected)
    {
        using var document = JsonDocument.Parse(Rfc6901Example);
        Assert.False(JsonPointer.TryResolve(document.RootElement, pointer, out _, out string problem));
        Assert.Equal(expected, problem);
    }
}
