using EdgeMonitor.Configuration;
using EdgeMonitor.Net;

namespace EdgeMonitor.Cli;

/// <summary>One verb of the command line: its name, one-line summary, help text and body.</summary>
public sealed record Verb(string Name, string Summary, string Help, Func<Args, Task<int>> RunAsync);

/// <summary>The verb table and the top-level error handling (usage 64, config 78).</summary>
public static class Verbs
{
    public static IReadOnlyList<Verb> All { get; } =
    [
        RunCommand.Verb,
        CheckCommand.Verb,
        ProfilesCommand.Verb,
        AllowlistCommand.Verb,
        LedsCommand.Verb,
        DisplayCommand.Verb,
        EchoServerCommand.Verb,
        MqttTestCommand.Verb,
    ];

    public static string Version => AppInfo.Version;

    public static async Task<int> MainAsync(string[] argv)
    {
        if (argv.Length == 0 || argv[0] is "-h" or "--help" or "help")
        {
            if (argv.Length > 1 && Find(argv[1]) is { } v)
            {
                Console.Out.Write(v.Help);
                return ExitCodes.Ok;
            }
            Console.Out.Write(TopHelp());
            return argv.Length == 0 ? ExitCodes.Usage : ExitCodes.Ok;
        }
        if (argv[0] is "--version" or "version")
        {
            Console.Out.WriteLine($"edgemonitor {Version}");
            return ExitCodes.Ok;
        }
        Verb? verb = Find(argv[0]);
        if (verb is null)
        {
            Console.Error.WriteLine($"edgemonitor: unknown command '{argv[0]}'");
            Console.Error.Write(TopHelp());
            return ExitCodes.Usage;
        }
        var args = new Args(argv.Skip(1));
        if (args.Flag("--help") || args.Flag("-h"))
        {
            Console.Out.Write(verb.Help);
            return ExitCodes.Ok;
        }
        try
        {
            return await verb.RunAsync(args).ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"edgemonitor {verb.Name}: {e.Message}");
            Console.Error.Write(verb.Help);
            return ExitCodes.Usage;
        }
        catch (ConfigException e)
        {
            Console.Error.WriteLine($"edgemonitor: config error: {e.Message}");
            return ExitCodes.Config;
        }
    }

    private static Verb? Find(string name) => All.FirstOrDefault(v => v.Name == name);

    private static string TopHelp()
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"edgemonitor {Version}: proves a site's firewall lets cloud-managed devices through.");
        sb.AppendLine();
        sb.AppendLine("usage: edgemonitor <command> [options]     edgemonitor <command> --help");
        sb.AppendLine();
        sb.AppendLine("commands:");
        foreach (var v in All)
            sb.AppendLine($"  {v.Name,-12} {v.Summary}");
        sb.AppendLine();
        sb.AppendLine("exit codes: 0 ok, 1 degraded, 2 failing, 64 usage error, 70 runtime error, 78 config error");
        return sb.ToString();
    }
}
