using Sluice.Core.Config;

namespace Sluice.Core.Components;

/// <summary>What a built-in callback may read when it is made for a flow: its configuration and state directory.</summary>
public sealed record CallbackContext(FlowConfig Config, string StateDirectory);
