using EdgeMonitor.Net;

namespace EdgeMonitor.Cli;

/// <summary>A usage error: printed with the verb's help, exit 64.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// A small, AOT-clean argument reader: `--name value`, `--name=value`, repeated options and
/// flags. Unknown options are usage errors.
/// </summary>
public sealed class Args
{
    private readonly List<string> _rest;

    public Args(IEnumerable<string> args) => _rest = [.. args];

    public bool Flag(string name)
    {
        int i = _rest.IndexOf(name);
        if (i < 0)
            return false;
        _rest.RemoveAt(i);
        return true;
    }

    public string? Option(string name)
    {
        var all = Options(name);
        if (all.Count > 1)
            throw new UsageException($"{name} given more than once");
        return all.Count == 0 ? null : all[0];
    }

    public List<string> Options(string name)
    {
        var values = new List<string>();
        for (int i = 0; i < _rest.Count;)
        {
            if (_rest[i] == name)
            {
                if (i + 1 >= _rest.Count || _rest[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw new UsageException($"{name} needs a value");
                values.Add(_rest[i + 1]);
                _rest.RemoveRange(i, 2);
            }
            else if (_rest[i].StartsWith(name + "=", StringComparison.Ordinal))
            {
                values.Add(_rest[i][(name.Length + 1)..]);
                _rest.RemoveAt(i);
            }
            else
            {
                i++;
            }
        }
        return values;
    }

    public int? IntOption(string name, int min, int max)
    {
        string? v = Option(name);
        if (v is null)
            return null;
        if (!int.TryParse(v, out int n) || n < min || n > max)
            throw new UsageException($"{name} must be a whole number {min}..{max}");
        return n;
    }

    /// <summary>Call after reading every known option: anything left is an error.</summary>
    public void EnsureEmpty()
    {
        if (_rest.Count > 0)
            throw new UsageException($"unknown argument '{_rest[0]}'");
    }
}
