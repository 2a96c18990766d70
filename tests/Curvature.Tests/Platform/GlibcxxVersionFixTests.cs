using System.Text;
using Curvature.Build;

namespace Curvature.Tests.Platform;

public sealed class GlibcxxVersionFixTests
{
    static string? PackagedLibrary()
    {
        string root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                      ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string path = Path.Combine(root, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        return File.Exists(path) ? path : null;
    }

    static string OutputLibrary() => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    [Fact]
    public void PatchesExactlyOneByteAndIsIdempotent()
    {
        if (!OperatingSystem.IsLinux()) return; // the bridge for linux-x64 only exists in a Linux restore
        string packaged = PackagedLibrary() ?? throw new InvalidOperationException("TorchSharp 0.107.0 is not in the NuGet cache");
        string dir = Directory.CreateTempSubdirectory("curvature-elf").FullName;
        try
        {
            string lib = Path.Combine(dir, "libLibTorchSharp.so");
            File.Copy(packaged, lib);
            byte[] before = File.ReadAllBytes(lib);
            var need = Assert.Single(ElfVersions.Needed(before), n => n.Name == GlibcxxVersionFix.Version);
            Assert.Equal("libstdc++.so.6", need.File);
            Assert.False(need.IsWeak);

            string oldSystem = SyntheticLibrary(dir, "old.so", ["GLIBCXX_3.4", "GLIBCXX_3.4.30"]);
            Assert.Equal(GlibcxxFixOutcome.Patched, GlibcxxVersionFix.Apply(lib, oldSystem));
            byte[] after = File.ReadAllBytes(lib);
            Assert.Equal(before.Length, after.Length);
            var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToArray();
            Assert.Equal([need.FlagsOffset], changed.Select(i => (long)i));
            Assert.True(ElfVersions.Needed(after).Single(n => n.Name == GlibcxxVersionFix.Version).IsWeak);
            // Every other requirement is untouched.
            Assert.All(ElfVersions.Needed(after).Where(n => n.Name != GlibcxxVersionFix.Version), n => Assert.False(n.IsWeak));

            Assert.Equal(GlibcxxFixOutcome.AlreadyPatched, GlibcxxVersionFix.Apply(lib, oldSystem));
            Assert.Equal(after, File.ReadAllBytes(lib));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void LeavesTheLibraryAloneWhenTheSystemHasTheVersion()
    {
        if (!OperatingSystem.IsLinux()) return;
        string packaged = PackagedLibrary() ?? throw new InvalidOperationException("TorchSharp 0.107.0 is not in the NuGet cache");
        string dir = Directory.CreateTempSubdirectory("curvature-elf").FullName;
        try
        {
            string lib = Path.Combine(dir, "libLibTorchSharp.so");
            File.Copy(packaged, lib);
            string newSystem = SyntheticLibrary(dir, "new.so", ["GLIBCXX_3.4.31", GlibcxxVersionFix.Version, "GLIBCXX_3.4.33"]);
            Assert.Contains(GlibcxxVersionFix.Version, ElfVersions.Defined(File.ReadAllBytes(newSystem)));
            Assert.Equal(GlibcxxFixOutcome.NotNeeded, GlibcxxVersionFix.Apply(lib, newSystem));
            Assert.Equal(File.ReadAllBytes(packaged), File.ReadAllBytes(lib));
            Assert.Equal(GlibcxxFixOutcome.NoSystemLibrary, GlibcxxVersionFix.Apply(lib, null));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void TheBuildOutputMatchesWhatThisSystemNeeds()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(OutputLibrary())) return;
        string? system = GlibcxxVersionFix.FindSystemLibStdCxx();
        Assert.NotNull(system);
        bool systemHasVersion = ElfVersions.Defined(File.ReadAllBytes(system!)).Contains(GlibcxxVersionFix.Version);
        var need = ElfVersions.Needed(File.ReadAllBytes(OutputLibrary())).Single(n => n.Name == GlibcxxVersionFix.Version);
        Assert.Equal(!systemHasVersion, need.IsWeak);
    }

    [Fact]
    public void ReadsTheRealSystemLibrary()
    {
        string? system = GlibcxxVersionFix.FindSystemLibStdCxx();
        if (system is null) return;
        var defined = ElfVersions.Defined(File.ReadAllBytes(system));
        Assert.Contains("GLIBCXX_3.4", defined);
        Assert.Contains("CXXABI_1.3", defined);
    }

    [Fact]
    public void RejectsFilesThatAreNotElf64()
    {
        Assert.Throws<InvalidDataException>(() => ElfVersions.Needed(Encoding.ASCII.GetBytes("definitely not an ELF file, just text padding it out to 64 bytes....")));
        var elf32 = new byte[64];
        elf32[0] = 0x7f; elf32[1] = (byte)'E'; elf32[2] = (byte)'L'; elf32[3] = (byte)'F'; elf32[4] = 1; elf32[5] = 1;
        Assert.Throws<InvalidDataException>(() => ElfVersions.Defined(elf32));
    }

    /// <summary>A minimal little-endian ELF64 with a .dynstr and a .gnu.version_d defining the given
    /// versions: enough for <see cref="ElfVersions.Defined"/>, built by hand from the gABI layout.</summary>
    static string SyntheticLibrary(string dir, string name, string[] versions)
    {
        var strtab = new MemoryStream();
        strtab.WriteByte(0);
        var nameOffsets = new List<uint>();
        foreach (var v in versions) { nameOffsets.Add((uint)strtab.Length); strtab.Write(Encoding.ASCII.GetBytes(v)); strtab.WriteByte(0); }
        var verdef = new MemoryStream();
        var w = new BinaryWriter(verdef);
        for (int i = 0; i < versions.Length; i++)
        {
            w.Write((ushort)1); w.Write((ushort)0); w.Write((ushort)(i + 2)); w.Write((ushort)1);  // version, flags, ndx, cnt
            w.Write(0u); w.Write(20u); w.Write(i + 1 < versions.Length ? 28u : 0u);              // hash, aux, next
            w.Write(nameOffsets[i]); w.Write(0u);                                                   // Verdaux: name, next
        }
        long strOffset = 64, defOffset = strOffset + strtab.Length, shOffset = defOffset + verdef.Length;
        var file = new MemoryStream();
        var f = new BinaryWriter(file);
        f.Write(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0 }); f.Write(new byte[8]);
        f.Write((ushort)3); f.Write((ushort)62); f.Write(1u); f.Write(0UL); f.Write(0UL); f.Write((ulong)shOffset);
        f.Write(0u); f.Write((ushort)64); f.Write((ushort)0); f.Write((ushort)0); f.Write((ushort)64); f.Write((ushort)3); f.Write((ushort)0);
        f.Write(strtab.ToArray()); f.Write(verdef.ToArray());
        f.Write(new byte[64]);                                                                       // section 0: null
        Section(f, 3, strOffset, strtab.Length, 0, 0);                                              // 1: .dynstr
        Section(f, 0x6ffffffd, defOffset, verdef.Length, 1, (uint)versions.Length);                 // 2: .gnu.version_d
        string path = Path.Combine(dir, name);
        File.WriteAllBytes(path, file.ToArray());
        return path;
    }

    static void Section(BinaryWriter f, uint type, long offset, long size, uint link, uint info)
    {
        f.Write(0u); f.Write(type); f.Write(0UL); f.Write(0UL); f.Write((ulong)offset); f.Write((ulong)size);
        f.Write(link); f.Write(info); f.Write(1UL); f.Write(0UL);
    }
}
