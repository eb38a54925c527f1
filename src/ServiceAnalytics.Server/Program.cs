using ServiceAnalytics.Server.Hosting;

// `migrate` applies pending schema migrations and exits; `rollup` recomputes a range of days and exits; `demo` loads
// the demo shop and exits; anything else runs the service.
if (args is ["migrate", .. var rest])
{
    return await MigrateCommand.RunAsync(rest, Console.Out);
}

if (args is ["rollup", .. var range])
{
    return await RollupCommand.RunAsync(range, Console.Out);
}

if (args is ["demo", .. var settings])
{
    return await DemoCommand.RunAsync(settings, Console.Out);
}

await ServiceAnalyticsApp.Build(args).RunAsync();
return 0;
