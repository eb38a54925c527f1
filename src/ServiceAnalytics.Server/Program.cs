using ServiceAnalytics.Server.Commands;

// No command runs the service; `migrate`, `rollup`, `demo`… run one job and exit (`--help` lists them).
return await ServiceCommandLine.RunAsync(args, Console.Error);
