// Build-time fix for loading TorchSharp 0.107.0 on systems whose libstdc++ predates GCC 13 (Debian 12).
//
// libLibTorchSharp.so lists GLIBCXX_3.4.32 among the versions it needs from libstdc++.so.6. The only
// symbol bound to that version is std::ios_base_library_init(), which GCC 13's <iostream> references
// at link time only (a .globl, never called). Marking that one Elf64_Vernaux entry VER_FLG_WEAK lets
// ld.so accept a libstdc++ that lacks the version; nothing else in the file changes (one byte).
//
// This file is compiled twice: by MSBuild's RoslynCodeTaskFactory into the PatchGlibcxxVersion task
// (build/Curvature.Native.targets) and into the test project, which defines CURVATURE_NO_MSBUILD_TASK.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Curvature.Build
{
    /// <summary>A version requirement read from <c>.gnu.version_r</c>: the library file, version name,
    /// flags, and the file offset of its <c>vna_flags</c> field.</summary>
    public sealed class ElfVersionNeed
    {
        public ElfVersionNeed(string file, string name, ushort flags, long flagsOffset)
        {
            File = file; Name = name; Flags = flags; FlagsOffset = flagsOffset;
        }
        public string File { get; }
        public string Name { get; }
        public ushort Flags { get; }
        public long FlagsOffset { get; }
        public bool IsWeak => (Flags & ElfVersions.VerFlagWeak) != 0;
    }

    /// <summary>Reads and edits the symbol-version sections of a little-endian ELF64 shared object
    /// (System V gABI; GNU symbol versioning: Elf64_Verdef/Verdaux, Elf64_Verneed/Vernaux).</summary>
    public static class ElfVersions
    {
        public const ushort VerFlagWeak = 0x2;
        const uint ShtGnuVerdef = 0x6ffffffd;
        const uint ShtGnuVerneed = 0x6ffffffe;

        /// <summary>Version names a library defines (<c>.gnu.version_d</c>), e.g. GLIBCXX_3.4.30.</summary>
        public static IReadOnlyList<string> Defined(byte[] elf)
        {
            var names = new List<string>();
            foreach (var s in Sections(elf))
            {
                if (s.Type != ShtGnuVerdef) continue;
                var strtab = Sections(elf)[(int)s.Link];
                long at = s.Offset;
                for (uint i = 0; i < s.Info; i++)
                {
                    uint aux = U32(elf, at + 12), next = U32(elf, at + 16);
                    names.Add(CString(elf, strtab.Offset + U32(elf, at + aux)));
                    if (next == 0) break;
                    at += next;
                }
            }
            return names;
        }

        /// <summary>Version requirements a library has of others (<c>.gnu.version_r</c>).</summary>
        public static IReadOnlyList<ElfVersionNeed> Needed(byte[] elf)
        {
            var needs = new List<ElfVersionNeed>();
            var sections = Sections(elf);
            foreach (var s in sections)
            {
                if (s.Type != ShtGnuVerneed) continue;
                long strtab = sections[(int)s.Link].Offset;
                long at = s.Offset;
                for (uint i = 0; i < s.Info; i++)
                {
                    ushort count = U16(elf, at + 2);
                    string file = CString(elf, strtab + U32(elf, at + 4));
                    long aux = at + U32(elf, at + 8);
                    for (int j = 0; j < count; j++)
                    {
                        needs.Add(new ElfVersionNeed(file, CString(elf, strtab + U32(elf, aux + 8)), U16(elf, aux + 4), aux + 4));
                        uint auxNext = U32(elf, aux + 12);
                        if (auxNext == 0) break;
                        aux += auxNext;
                    }
                    uint next = U32(elf, at + 12);
                    if (next == 0) break;
                    at += next;
                }
            }
            return needs;
        }

        /// <summary>Sets VER_FLG_WEAK on every requirement of <paramref name="version"/>. Returns how many
        /// entries changed (0 when already weak or absent), so repeating it is harmless.</summary>
        public static int MarkWeak(byte[] elf, string version)
        {
            int changed = 0;
            foreach (var need in Needed(elf))
            {
                if (need.Name != version || need.IsWeak) continue;
                ushort flags = (ushort)(need.Flags | VerFlagWeak);
                elf[need.FlagsOffset] = (byte)flags;
                elf[need.FlagsOffset + 1] = (byte)(flags >> 8);
                changed++;
            }
            return changed;
        }

        readonly struct Section
        {
            public Section(uint type, long offset, uint link, uint info) { Type = type; Offset = offset; Link = link; Info = info; }
            public uint Type { get; }
            public long Offset { get; }
            public uint Link { get; }
            public uint Info { get; }
        }

        static List<Section> Sections(byte[] elf)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException("only little-endian ELF64 is supported");
            long shoff = (long)U64(elf, 0x28);
            ushort shentsize = U16(elf, 0x3A), shnum = U16(elf, 0x3C);
            if (shoff <= 0 || shnum == 0 || shoff + (long)shnum * shentsize > elf.Length)
                throw new InvalidDataException("ELF file has no readable section headers");
            var list = new List<Section>(shnum);
            for (int i = 0; i < shnum; i++)
            {
                long h = shoff + (long)i * shentsize;
                list.Add(new Section(U32(elf, h + 4), (long)U64(elf, h + 24), U32(elf, h + 40), U32(elf, h + 44)));
            }
            return list;
        }

        static ushort U16(byte[] b, long at) => (ushort)(b[at] | b[at + 1] << 8);
        static uint U32(byte[] b, long at) => BitConverter.ToUInt32(b, checked((int)at));
        static ulong U64(byte[] b, long at) => BitConverter.ToUInt64(b, checked((int)at));

        static string CString(byte[] b, long at)
        {
            long end = at;
            while (end < b.Length && b[end] != 0) end++;
            return Encoding.ASCII.GetString(b, checked((int)at), checked((int)(end - at)));
        }
    }

    /// <summary>What <see cref="GlibcxxVersionFix.Apply"/> did, in words for the build log.</summary>
    public enum GlibcxxFixOutcome { NotNeeded, Patched, AlreadyPatched, NoSuchRequirement, NoSystemLibrary }

    /// <summary>Decides whether the fix is needed and applies it to one library file.</summary>
    public static class GlibcxxVersionFix
    {
        public const string Version = "GLIBCXX_3.4.32";

        /// <summary>Directories the dynamic loader searches for libstdc++.so.6 on common Linux layouts,
        /// LD_LIBRARY_PATH first, as ld.so does.</summary>
        public static IEnumerable<string> LibStdCxxCandidates()
        {
            var ld = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
            if (!string.IsNullOrEmpty(ld))
                foreach (var dir in ld!.Split(':'))
                    if (dir.Length > 0) yield return Path.Combine(dir, "libstdc++.so.6");
            foreach (var dir in new[] { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
                                        "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib" })
                yield return Path.Combine(dir, "libstdc++.so.6");
        }

        public static string? FindSystemLibStdCxx()
        {
            foreach (var path in LibStdCxxCandidates())
                if (File.Exists(path)) return path;
            return null;
        }

        /// <summary>Patches <paramref name="libraryPath"/> in place (through a temporary file and a rename,
        /// so a hard link into the NuGet cache is never written through) when <paramref name="systemLibStdCxx"/>
        /// does not define <see cref="Version"/>.</summary>
        public static GlibcxxFixOutcome Apply(string libraryPath, string? systemLibStdCxx)
        {
            if (systemLibStdCxx is null) return GlibcxxFixOutcome.NoSystemLibrary;
            foreach (var name in ElfVersions.Defined(File.ReadAllBytes(systemLibStdCxx)))
                if (name == Version) return GlibcxxFixOutcome.NotNeeded;

            byte[] lib = File.ReadAllBytes(libraryPath);
            bool required = false;
            foreach (var need in ElfVersions.Needed(lib))
                if (need.Name == Version) required = true;
            if (!required) return GlibcxxFixOutcome.NoSuchRequirement;
            if (ElfVersions.MarkWeak(lib, Version) == 0) return GlibcxxFixOutcome.AlreadyPatched;

            string temp = libraryPath + ".patching";
            File.WriteAllBytes(temp, lib);
            File.Delete(libraryPath); // unlink first: never write through a hard link into the package cache
            File.Move(temp, libraryPath);
            return GlibcxxFixOutcome.Patched;
        }
    }

#if !CURVATURE_NO_MSBUILD_TASK
    /// <summary>MSBuild task: applies <see cref="GlibcxxVersionFix"/> to libLibTorchSharp.so in an output folder.</summary>
    public class PatchGlibcxxVersion : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required]
        public string LibraryPath { get; set; } = "";

        public override bool Execute()
        {
            try
            {
                var system = GlibcxxVersionFix.FindSystemLibStdCxx();
                var outcome = GlibcxxVersionFix.Apply(LibraryPath, system);
                var importance = outcome == GlibcxxFixOutcome.Patched
                    ? Microsoft.Build.Framework.MessageImportance.High
                    : Microsoft.Build.Framework.MessageImportance.Low;
                Log.LogMessage(importance, $"Curvature: {GlibcxxVersionFix.Version} fix for {LibraryPath}: {outcome} (system libstdc++: {system ?? "not found"})");
                return true;
            }
            catch (Exception e)
            {
                Log.LogError($"Curvature: could not apply the {GlibcxxVersionFix.Version} fix to {LibraryPath}: {e.Message}");
                return false;
            }
        }
    }
#endif
}
