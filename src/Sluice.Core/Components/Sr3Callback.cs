namespace Sluice.Core.Components;

/// <summary>
/// One of sr3's built-in callbacks (a module under <c>sarracenia/flowcb/</c>) and what Sluice does with its name.
/// <see cref="Components"/>, when given, are the components where an <see cref="Sr3CallbackKind.Engine"/> name is the
/// engine's own work; elsewhere it is refused with <see cref="Elsewhere"/>.
/// </summary>
internal sealed record Sr3Callback(string Name, Sr3CallbackKind Kind, string Text, IReadOnlySet<string>? Components = null, string? Elsewhere = null);
