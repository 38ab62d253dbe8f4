using EdgeMonitor.Cli;

return await EdgeMonitor.Cli.Verbs.MainAsync(args);
