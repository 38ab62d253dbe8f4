using System.Text.RegularExpressions;
using EdgeMonitor.Tests.Aot;

namespace EdgeMonitor.Tests.Architecture;

/// <summary>
/// Data flows one way (config -> targets -> schedule -> probes -> status -> outputs): the
/// folders' `using EdgeMonitor.X` lines form a graph without a loop, the model imports nothing,
/// and nothing imports the command line.
/// </summary>
public sealed partial class FolderImportTests
{
    [Fact]
    public void No_folder_imports_one_that_imports_it_back()
    {
        var graph = Imports();
        var cycle = FindCycle(graph);
        Assert.True(cycle is null, $"import loop: {string.Join(" -> ", cycle ?? [])}\n{Describe(graph)}");
    }

    [Fact]
    public void The_model_and_the_interop_import_nothing_and_nothing_imports_the_cli()
    {
        var graph = Imports();
        Assert.Empty(graph.GetValueOrDefault("Model", []));
        Assert.Empty(graph.GetValueOrDefault("Interop", []));
        Assert.Equal(["Model"], graph["Net"].Order());
        Assert.DoesNotContain(graph, kv => kv.Key != "Cli" && kv.Value.Contains("Cli"));
        Assert.DoesNotContain("Probes", graph.GetValueOrDefault("Profiles", []));
    }

    [Fact]
    public void The_cycle_finder_finds_a_loop()
    {
        var graph = new Dictionary<string, HashSet<string>> { ["A"] = ["B"], ["B"] = ["C"], ["C"] = ["A"], ["D"] = ["A"] };
        Assert.NotNull(FindCycle(graph));
        graph["C"].Clear();
        Assert.Null(FindCycle(graph));
    }

    /// <summary>
    /// Top-level folder (namespace EdgeMonitor.X...) to the top-level folders its files use: by a
    /// using line, or by a qualified name in code (Indicators.LedsValidation.Validate).
    /// </summary>
    private static Dictionary<string, HashSet<string>> Imports()
    {
        string src = Path.Combine(AotBinary.RepoRoot(), "src", "EdgeMonitor");
        var files = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => File.ReadAllText(f))
            .Select(text => (Text: text, Ns: NamespaceLine().Match(text)))
            .Where(x => x.Ns.Success)
            .ToList();
        var folders = files.Select(x => x.Ns.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (text, ns) in files)
        {
            string from = ns.Groups[1].Value;
            var to = graph.TryGetValue(from, out var set) ? set : graph[from] = [];
            foreach (Match u in UsingLine().Matches(text))
                to.Add(u.Groups[1].Value);
            foreach (string line in text.Split('\n').Where(l => !l.TrimStart().StartsWith("//", StringComparison.Ordinal)))
            {
                foreach (Match q in QualifiedName().Matches(line))
                {
                    if (folders.Contains(q.Groups[1].Value))
                        to.Add(q.Groups[1].Value);
                }
            }
            to.Remove(from);
        }
        return graph;
    }

    private static List<string>? FindCycle(Dictionary<string, HashSet<string>> graph)
    {
        var state = new Dictionary<string, int>(); // 1 on the path, 2 done
        var path = new List<string>();
        List<string>? Visit(string v)
        {
            state[v] = 1;
            path.Add(v);
            foreach (string w in graph.GetValueOrDefault(v, []))
            {
                if (state.GetValueOrDefault(w) == 1)
                    return [.. path.SkipWhile(p => p != w), w];
                if (state.GetValueOrDefault(w) == 0 && Visit(w) is { } found)
                    return found;
            }
            path.RemoveAt(path.Count - 1);
            state[v] = 2;
            return null;
        }
        foreach (string v in graph.Keys)
        {
            if (state.GetValueOrDefault(v) == 0 && Visit(v) is { } c)
                return c;
        }
        return null;
    }

    private static string Describe(Dictionary<string, HashSet<string>> graph) =>
        string.Join('\n', graph.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} -> {string.Join(", ", kv.Value.Order())}"));

    [GeneratedRegex(@"^namespace EdgeMonitor\.(\w+)", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();

    [GeneratedRegex(@"^using (?:static )?EdgeMonitor\.(\w+)", RegexOptions.Multiline)]
    private static partial Regex UsingLine();

    [GeneratedRegex(@"(?<![\w.])(?:EdgeMonitor\.)?(\w+)\.[A-Z]")]
    private static partial Regex QualifiedName();
}
