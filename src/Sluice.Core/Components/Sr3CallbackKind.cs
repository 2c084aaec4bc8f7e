namespace Sluice.Core.Components;

/// <summary>What Sluice does with one of sr3's callback names.</summary>
internal enum Sr3CallbackKind
{
    /// <summary>The engine does this work itself: the name is accepted and nothing more is added.</summary>
    Engine,

    /// <summary>A Sluice callback of the same name does it (made by the registry).</summary>
    BuiltIn,

    /// <summary>Not supported: a configuration error that says what to use instead.</summary>
    Refused,
}
