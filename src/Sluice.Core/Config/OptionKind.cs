namespace Sluice.Core.Config;

/// <summary>The kinds of values sr3 options take (sr3_options(7) TYPES).</summary>
internal enum OptionKind
{
    String,
    Count,
    Size,
    Duration,
    Flag,
    Float,
    List,
    Set,
    Octal,

    /// <summary>Lines whose meaning depends on their order or repeat (accept, reject, subtopic, include, ...).</summary>
    Special,
}
