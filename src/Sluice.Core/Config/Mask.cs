using System.Text.RegularExpressions;

namespace Sluice.Core.Config;

/// <summary>
/// One <c>accept</c> or <c>reject</c> line with the placement options in force where it was written: the
/// <c>directory</c>, <c>mirror</c>, <c>strip</c>, <c>flatten</c> and <c>filename</c> (the accept line's second word,
/// else the <c>filename</c> option) that apply to what it accepts.
/// </summary>
public sealed record Mask(string Pattern, bool Accept, string? Directory, bool Mirror, string? Strip, string Flatten, string? Filename, string File, int Line)
{
    /// <summary>The compiled pattern; matched from the start of the URL, as Python's re.match does.</summary>
    public Regex Regex { get; } = new("^(?:" + Pattern + ")", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
}
