using System.CommandLine;
using Curvature.Cli.Commands;
using Curvature.Data;

namespace Curvature.Cli;

/// <summary>The <c>curvature</c> command line: builds the verbs, parses, runs, and turns every failure into
/// one line on standard error with a meaningful exit code.</summary>
public static class CliApp
{
    /// <summary>Runs the command line with the given writers (the tests pass their own).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        var root = new RootCommand("Curvature: Hessian spectra of loss surfaces, proven against exact answers.");
        var context = new CommandContext(stdout, stderr, args);
        root.Subcommands.Add(LinearCommand.Create(context));
        root.Subcommands.Add(HessianCommand.Create(context));
        root.Subcommands.Add(TrainCommand.Create(context));
        root.Subcommands.Add(StudyCommand.Create(context));
        root.Subcommands.Add(DemoCommand.Create(context));
        root.Subcommands.Add(WorkerCommand.Create(context));

        try
        {
            // Parsing runs the option validators, so it sits inside the try as well: nothing escapes as a crash.
            var parse = root.Parse(args);
            if (parse.Errors.Count > 0)
            {
                // An unknown verb yields "Required command was not provided" first; the unrecognised word is the real problem.
                var error = parse.Errors.FirstOrDefault(x => x.Message.StartsWith("Unrecognized command or argument", StringComparison.Ordinal)) ?? parse.Errors[0];
                string verb = root.Subcommands.Any(c => c.Name == FirstVerb(args).Trim()) ? FirstVerb(args) : "";
                stderr.WriteLine($"curvature: {Friendly(error.Message).TrimEnd('.')} (see 'curvature {verb}--help')");
                return ExitCodes.BadInput;
            }
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return Report(e, stderr);
        }
    }

    /// <summary>Maps an exception to one line and an exit code: input problems are the user's to fix;
    /// anything else is reported as internal with its type so it can be traced.</summary>
    internal static int Report(Exception e, TextWriter stderr)
    {
        while (e is TypeInitializationException or System.Reflection.TargetInvocationException or AggregateException && e.InnerException is not null)
            e = e.InnerException!;
        switch (e)
        {
            case UserInputException:
                stderr.WriteLine($"curvature: {e.Message}");
                return ExitCodes.BadInput;
            case CurvatureDataException:
                // The data library names its argument ("samples = N: …"); on the command line that is --samples.
                stderr.WriteLine("curvature: " + (e.Message.StartsWith("samples = ", StringComparison.Ordinal) ? "--samples " + e.Message["samples = ".Length..] : e.Message));
                return ExitCodes.BadInput;
            case ArgumentException:
                stderr.WriteLine($"curvature: invalid input: {e.Message}");
                return ExitCodes.BadInput;
            case ArithmeticException:
                // Lanczos met a non-finite product mid-run: the weights and loss were finite at the start, so the curvature
                // itself overflows the dtype.
                stderr.WriteLine($"curvature: {e.Message.Split('\n')[0]}; the curvature overflows this dtype — try --dtype float64 or smaller weights");
                return ExitCodes.BadInput;
            case IOException or UnauthorizedAccessException:
                stderr.WriteLine($"curvature: could not write output: {e.Message}");
                return ExitCodes.Failure;
            case DllNotFoundException or NotSupportedException when e.Message.Contains("libtorch", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("LibTorchSharp", StringComparison.Ordinal):
                stderr.WriteLine($"curvature: the TorchSharp native libraries failed to load ({e.Message.Split('\n')[0]}); see docs/PLATFORM.md");
                return ExitCodes.Failure;
            default:
                stderr.WriteLine($"curvature: internal error ({e.GetType().Name}): {e.Message.Split('\n')[0]}");
                return ExitCodes.InternalError;
        }
    }

    /// <summary>The parser names .NET types ("expected type 'System.Nullable`1[System.Int32]'"); say it in words.</summary>
    internal static string Friendly(string message) => System.Text.RegularExpressions.Regex.Replace(
        message, @" as expected type '(?:System\.Nullable`1\[)?System\.(\w+)\]?'", m => ": expected " + m.Groups[1].Value switch
        {
            "Int32" or "Int64" => "a whole number",
            "UInt64" or "UInt32" => "a non-negative whole number",
            "Double" or "Single" => "a number",
            "Boolean" => "true or false",
            _ => "a value of type " + m.Groups[1].Value,
        });

    static string FirstVerb(string[] args) => args.Length > 0 && !args[0].StartsWith('-') ? args[0] + " " : "";
}

/// <summary>What every verb needs from the application: the output writers and the raw arguments (for the
/// run record).</summary>
public sealed record CommandContext(TextWriter Stdout, TextWriter Stderr, string[] Args);
