namespace Sluice.Core.Config;

/// <summary>A configuration with errors: every one of them, each with its file and line.</summary>
public sealed class ConfigException(IReadOnlyList<ConfigDiagnostic> errors)
    : SluiceException(string.Join(Environment.NewLine, errors.Select(e => e.ToString())))
{
    public IReadOnlyList<ConfigDiagnostic> Errors { get; } = errors;

    /// <exception cref="ConfigException">There are <paramref name="errors"/>.</exception>
    public static void ThrowIfAny(IReadOnlyList<ConfigDiagnostic> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count > 0)
        {
            throw new ConfigException(errors);
        }
    }

    /// <summary>The file of the first error.</summary>
    public string File => Errors.Count > 0 ? Errors[0].File : string.Empty;

    /// <summary>The line of the first error.</summary>
    public int Line => Errors.Count > 0 ? Errors[0].Line : 0;
}
