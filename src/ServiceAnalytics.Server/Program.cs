using ServiceAnalytics.Server.Hosting;

// `migrate` applies pending schema migrations and exits; anything else runs the service.
if (args is ["migrate", .. var rest])
{
    return await MigrateCommand.RunAsync(rest, Console.Out);
}

await ServiceAnalyticsApp.Build(args).RunAsync();
return 0;
