using System.Diagnostics;

namespace Curvature.ReportCheck;

/// <summary>Debian's (or Google's) Chromium run headless to load a page from disk and print its DOM.</summary>
public static class HeadlessChromium
{
    /// <summary>The names a Chromium goes by on PATH, in the order they are tried.</summary>
    public static readonly IReadOnlyList<string> Names = ["chromium", "chromium-browser", "google-chrome"];

    /// <summary>Guard against a hung browser only: loading a report of a few MB takes about a second.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <summary>The first of <see cref="Names"/> found on PATH, or null.</summary>
    public static string? Find()
    {
        string[] directories = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return Names.SelectMany(name => directories.Select(d => Path.Combine(d, name))).FirstOrDefault(File.Exists);
    }

    /// <summary>Loads <paramref name="htmlPath"/> in <paramref name="browser"/> and returns the DOM it serialises
    /// after the load event, or throws with the browser's exit code and the end of its stderr.</summary>
    public static string DumpDom(string browser, string htmlPath)
    {
        string profile = Directory.CreateTempSubdirectory("report-check-chromium-").FullName;
        try
        {
            var start = new ProcessStartInfo(browser)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string argument in Arguments(profile, new Uri(Path.GetFullPath(htmlPath)).AbsoluteUri))
                start.ArgumentList.Add(argument);
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {browser}");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{browser} did not finish within {Timeout.TotalSeconds:0} s");
            }
            process.WaitForExit();   // drains the redirected streams
            if (process.ExitCode != 0 || stdout.Result.Length == 0)
                throw new InvalidOperationException(
                    $"{browser} exited with {process.ExitCode} and {stdout.Result.Length} characters of DOM; its stderr ends:{Environment.NewLine}{Tail(stderr.Result)}");
            return stdout.Result;
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); }
            catch (IOException) { }   // a leftover temp profile is harmless
        }
    }

    /// <summary>The command line: headless, no sandbox (CI runs as root, where Chromium refuses to sandbox), no GPU,
    /// nothing fetched in the background, a fresh profile, /tmp instead of a possibly small /dev/shm (Debian's
    /// launcher means to add that flag itself but its test of /dev/shm can fail in containers).</summary>
    static IEnumerable<string> Arguments(string profile, string url) =>
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        $"--user-data-dir={profile}", "--dump-dom", url,
    ];

    /// <summary>The last lines of the browser's stderr, indented, without the D-Bus errors headless Chromium
    /// prints on every run where no session bus exists (CI, containers): they would hide the real cause.</summary>
    static string Tail(string text) => string.Join(Environment.NewLine, text
        .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Where(line => !line.Contains(":ERROR:dbus/", StringComparison.Ordinal))
        .TakeLast(10)
        .Select(line => "  | " + line));
}
