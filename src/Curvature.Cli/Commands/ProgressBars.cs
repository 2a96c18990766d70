using Curvature.Analysis;
using Spectre.Console;

namespace Curvature.Cli.Commands;

/// <summary>Progress bars with ETA for the stages of a long run, drawn on standard error when it is a terminal
/// (so standard output stays clean for tables and pipes); silent otherwise.</summary>
internal sealed class ProgressBars : IProgress<ProbeProgress>
{
    readonly ProgressContext? _context;
    readonly Dictionary<string, ProgressTask> _tasks = new();

    ProgressBars(ProgressContext? context) => _context = context;

    /// <summary>Runs <paramref name="body"/> with progress reporting.</summary>
    public static T Run<T>(CommandContext context, Func<IProgress<ProbeProgress>, T> body)
    {
        bool interactive = ReferenceEquals(context.Stderr, Console.Error) && !Console.IsErrorRedirected;
        if (!interactive) return body(new ProgressBars(null));
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        T result = default!;
        console.Progress()
               .AutoClear(false)
               .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
               .Start(ctx => result = body(new ProgressBars(ctx)));
        return result;
    }

    public void Report(ProbeProgress value)
    {
        if (_context is null) return;
        if (!_tasks.TryGetValue(value.Stage, out var task))
        {
            foreach (var other in _tasks.Values) other.StopTask();
            task = _context.AddTask(value.Stage, maxValue: Math.Max(1, value.Total));
            _tasks[value.Stage] = task;
        }
        task.MaxValue = Math.Max(1, value.Total);
        task.Value = Math.Min(value.Done, task.MaxValue);
    }
}
