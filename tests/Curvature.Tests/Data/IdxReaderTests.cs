using Curvature.Data;

namespace Curvature.Tests.Data;

public sealed class IdxReaderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ThreeDimensionalFileRoundTripsExactly(bool gzip)
    {
        using var files = new IdxFiles();
        int[] dims = [3, 2, 4];
        var data = IdxFiles.SomeBytes(24, seed: 1);
        var path = files.Write("images", IdxFiles.Bytes(dims, data), gzip);

        var idx = IdxReader.Read(path);

        Assert.Equal("images", idx.Name);
        Assert.Equal(dims, idx.Dimensions);
        Assert.Equal(data, idx.Values);
        Assert.Equal("3×2×4", idx.Shape);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OneDimensionalFileRoundTripsExactly(bool gzip)
    {
        using var files = new IdxFiles();
        byte[] data = [0, 255, 7, 9, 128];
        var idx = IdxReader.Read(files.Write("labels.gz", IdxFiles.Bytes([5], data), gzip));
        Assert.Equal([5], idx.Dimensions);
        Assert.Equal(data, idx.Values);
    }

    [Fact]
    public void GzipIsRecognisedByMagicBytesNotByExtension()
    {
        using var files = new IdxFiles();
        var data = IdxFiles.SomeBytes(6, seed: 2);
        var content = IdxFiles.Bytes([2, 3], data);
        Assert.Equal(data, IdxReader.Read(files.Write("zipped-without-extension", content, gzip: true)).Values);
        Assert.Equal(data, IdxReader.Read(files.Write("raw-with-extension.gz", content, gzip: false)).Values);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedDataNamesExpectedAndActualCounts(bool gzip)
    {
        using var files = new IdxFiles();
        var path = files.Write("short", IdxFiles.Bytes([2, 3], IdxFiles.SomeBytes(4, seed: 3)), gzip);
        var e = Assert.Throws<CurvatureDataException>(() => IdxReader.Read(path));
        Assert.Equal("short: truncated: header says 2×3 = 6 bytes of data, file has 4", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrailingBytesNameExpectedAndActualCounts(bool gzip)
    {
        using var files = new IdxFiles();
        var path = files.Write("long", IdxFiles.Bytes([2, 3], IdxFiles.SomeBytes(9, seed: 4)), gzip);
        var e = Assert.Throws<CurvatureDataException>(() => IdxReader.Read(path));
        Assert.Equal("long: trailing bytes: header says 2×3 = 6 bytes of data, file has 9 (3 extra)", e.Message);
    }

    [Fact]
    public void NonZeroMagicIsNotAnIdxFile()
    {
        using var files = new IdxFiles();
        var path = files.Write("archive.zip", [0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0]);
        var e = Assert.Throws<CurvatureDataException>(() => IdxReader.Read(path));
        Assert.StartsWith("archive.zip: not an IDX file", e.Message);
        Assert.Contains("0x50 0x4B", e.Message);
    }

    [Theory]
    [InlineData(0x0D, "float32")]
    [InlineData(0x0C, "int32")]
    [InlineData(0x42, "not an IDX type code")]
    public void OtherElementTypesAreRejectedByCode(byte type, string described)
    {
        using var files = new IdxFiles();
        var path = files.Write("typed", IdxFiles.Bytes([2], [1, 2, 3, 4, 5, 6, 7, 8], type));
        var e = Assert.Throws<CurvatureDataException>(() => IdxReader.Read(path));
        Assert.Equal($"typed: unsupported IDX element type 0x{type:X2} ({described}); only 0x08 (unsigned byte) is read", e.Message);
    }

    [Fact]
    public void ZeroDimensionsAreRejected()
    {
        using var files = new IdxFiles();
        var path = files.Write("rank0", IdxFiles.Bytes([], [1]));
        var e = Assert.Throws<CurvatureDataException>(() => IdxReader.Read(path));
        Assert.Contains("0 dimensions", e.Message);
    }

    [Fact]
    public void ASizeOfZeroIsRejected()
    {
        using var files = new IdxFiles();
        var path = files.Write("empty", IdxFiles.Bytes([3, 0], []));
        var e = Assert.Throws<CurvatureDataException>(() => IdxReader.Read(path));
        Assert.Equal("empty: IDX dimension 1 has size 0; every size must be at least 1", e.Message);
    }

    [Fact]
    public void SizesBeyondOneArrayAreRejectedBeforeAllocating()
    {
        using var files = new IdxFiles();
        var path = files.Write("huge", IdxFiles.Bytes([int.MaxValue, int.MaxValue, 5], []));
        var e = Assert.Throws<CurvatureDataException>(() => IdxReader.Read(path));
        Assert.Contains("more than one array can hold", e.Message);
    }

    [Fact]
    public void GzippedHeaderPromisingMoreThanTheStreamHoldsIsTruncated()
    {
        // 200 MB promised, 10 bytes present: the reader must report, not allocate the promise up front.
        using var files = new IdxFiles();
        var path = files.Write("liar", IdxFiles.Bytes([200_000, 1000], new byte[10]), gzip: true);
        var e = Assert.Throws<CurvatureDataException>(() => IdxReader.Read(path));
        Assert.Equal("liar: truncated: header says 200000×1000 = 200000000 bytes of data, file has 10", e.Message);
    }

    [Theory]
    [InlineData(new byte[0], "truncated header: 0 bytes")]
    [InlineData(new byte[] { 0, 0, 8 }, "truncated header: 3 bytes")]
    [InlineData(new byte[] { 0, 0, 8, 3, 0, 0, 0, 2 }, "truncated header: 3 dimensions need 12 bytes of sizes, file has 4")]
    public void TruncatedHeadersAreRejected(byte[] content, string problem)
    {
        using var files = new IdxFiles();
        var path = files.Write("stub", content);
        var e = Assert.Throws<CurvatureDataException>(() => IdxReader.Read(path));
        Assert.StartsWith($"stub: {problem}", e.Message);
    }

    [Fact]
    public void MissingFileNamesThePath()
    {
        using var files = new IdxFiles();
        var path = Path.Combine(files.Directory, "nowhere-idx1-ubyte");
        var e = Assert.Throws<CurvatureDataException>(() => IdxReader.Read(path));
        Assert.Equal($"{path}: file not found", e.Message);
    }

    [Fact]
    public void CorruptGzipIsOneDataError()
    {
        using var files = new IdxFiles();
        var path = files.Write("broken.gz", [0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0x13, 0x37]);
        var e = Assert.Throws<CurvatureDataException>(() => IdxReader.Read(path));
        Assert.StartsWith("broken.gz: ", e.Message);
    }

    [Fact]
    public void CutGzipStreamIsOneDataError()
    {
        using var files = new IdxFiles();
        var gz = IdxFiles.Gzip(IdxFiles.Bytes([100, 100], IdxFiles.SomeBytes(10_000, seed: 5)));
        var path = files.Write("cut.gz", gz[..(gz.Length / 2)]);
        var e = Assert.Throws<CurvatureDataException>(() => IdxReader.Read(path));
        Assert.StartsWith("cut.gz: ", e.Message);
    }
}
