using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;
using EdgeMonitor.Profiles;
using EdgeMonitor.Reporting;

namespace EdgeMonitor.Cli;

public static class ProfilesCommand
{
    public static Verb Verb { get; } = new("profiles", "list the built-in profiles and their targets",
        """
        usage: edgemonitor profiles [--json]

        Lists every built-in profile (from the vendor firewall guides) with its targets.
          --json   one JSON object: {"profiles": [{name, description, targets: [...]}]}

        """, Run);

    private static Task<int> Run(Args args)
    {
        bool json = args.Flag("--json");
        args.EnsureEmpty();
        if (json)
        {
            Console.Out.WriteLine(StatusJson.SerializeProfiles(BuiltInProfiles.All));
            return Task.FromResult(ExitCodes.Ok);
        }
        foreach (var p in BuiltInProfiles.All)
        {
            Console.Out.WriteLine($"{p.Name}: {p.Description}");
            foreach (var t in p.Targets)
            {
                string transport = ProbeKinds.TransportOf(t.Kind).ToName();
                Console.Out.WriteLine($"  {t.Group,-11} {t.Id,-36} {t.Kind,-7} {t.Host}:{t.Port}/{transport} {t.Requirement.ToName()} {t.Role.ToName()}");
            }
            Console.Out.WriteLine();
        }
        return Task.FromResult(ExitCodes.Ok);
    }
}
