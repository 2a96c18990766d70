using Curvature.ReportCheck;

return ReportCheckCommand.Run(args, Console.Out);
