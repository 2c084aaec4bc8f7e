using System.Globalization;

namespace Sluice.Core.Config;

/// <summary>
/// The second layer: one flow's configuration, resolved and validated: every option's value by sr3's name, the
/// ordered accept/reject masks with their placement, the bindings, callbacks and headers. Value-equal through
/// <see cref="Fingerprint"/>, so a reload restarts only the flows that changed.
/// </summary>
public sealed record FlowConfig
{
    public required string Component { get; init; }

    public required string Name { get; init; }

    /// <summary>The configuration file.</summary>
    public required string File { get; init; }

    /// <summary>Option values by sr3 name: string, bool, long, double, TimeSpan, int (octal modes), string[] (lists and sets).</summary>
    public required IReadOnlyDictionary<string, object> Values { get; init; }

    public required IReadOnlyList<BindingConfig> Bindings { get; init; }

    public required IReadOnlyList<Mask> Masks { get; init; }

    /// <summary>Callbacks named with <c>callback</c>/<c>flowCallback</c> (prepended ones first).</summary>
    public required IReadOnlyList<string> Callbacks { get; init; }

    /// <summary>Where each of <see cref="Callbacks"/> was written (same order): its option line, file and line number.</summary>
    public IReadOnlyList<ConfigEntry> CallbackLines { get; init; } = [];

    /// <summary><c>header name=value</c> lines: fields added to every message posted.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; }

    /// <summary><c>set</c> lines (settings for callbacks), in order.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Settings { get; init; }

    /// <summary><c>declare</c> lines other than <c>declare env</c> (admin.conf's users and exchanges).</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Declarations { get; init; }

    /// <summary>Unknown options, v2 plugins, and other things sr3 also only warns about.</summary>
    public required IReadOnlyList<ConfigDiagnostic> Warnings { get; init; }

    /// <summary>
    /// Options whose value still has a variable with no value (<c>${NAME}</c> neither in the environment nor declared),
    /// as errors at the line that set them: a flow is not built from them.
    /// </summary>
    public IReadOnlyList<ConfigDiagnostic> Unresolved { get; init; } = [];

    /// <summary>Where each option of <see cref="Values"/> got its value: the line that set it last (a default's file is <c>&lt;component defaults&gt;</c>).</summary>
    public IReadOnlyDictionary<string, ConfigEntry> Sources { get; init; } = new Dictionary<string, ConfigEntry>();

    /// <summary>Identifies the resolved content: equal fingerprints, same flow.</summary>
    public required string Fingerprint { get; init; }

    public string FullName => Component + "/" + Name;

    public bool Has(string name) => Get(name, out _);

    public string? String(string name) => Get(name, out var v) ? v as string ?? Convert.ToString(v, CultureInfo.InvariantCulture) : null;

    public bool Flag(string name, bool fallback = false) => Get(name, out var v) && v is bool b ? b : fallback;

    public long Count(string name, long fallback = 0) => Get(name, out var v) && v is long n ? n : fallback;

    public double Float(string name, double fallback = 0) => Get(name, out var v) ? v switch { double d => d, long l => l, _ => fallback } : fallback;

    public TimeSpan Duration(string name, TimeSpan fallback = default) => Get(name, out var v) && v is TimeSpan t ? t : fallback;

    public int Octal(string name, int fallback = 0) => Get(name, out var v) && v is int n ? n : fallback;

    public IReadOnlyList<string> List(string name) => Get(name, out var v) && v is string[] list ? list : [];

    /// <summary>
    /// An error about <paramref name="option"/>, at the line that set it; at the configuration file itself when no line
    /// of a file did (unset, or a component default).
    /// </summary>
    public ConfigDiagnostic ErrorAt(string option, string message) =>
        Sources.TryGetValue(option, out var entry) && !entry.File.StartsWith('<')
            ? new ConfigDiagnostic(entry.File, entry.Line, true, message)
            : new ConfigDiagnostic(File, 0, true, message);

    private bool Get(string name, out object? value)
    {
        OptionReads.Note(name);
        return Values.TryGetValue(name, out value);
    }
}
