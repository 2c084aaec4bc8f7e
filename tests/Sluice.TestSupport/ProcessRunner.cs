using System.Diagnostics;

namespace Sluice.Tests;

/// <summary>Runs a real program (md5sum, sha512sum, useradd, ...) and returns its standard output; one that fails throws with what it said.</summary>
public static class ProcessRunner
{
    public static string Run(string program, params string[] args)
    {
        using var process = Start(program, args, input: false);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return Checked(process, program, args, output.Result, error);
    }

    /// <summary>Runs <paramref name="program"/>, writing <paramref name="input"/> (when given) to its standard input.</summary>
    public static async Task<string> RunAsync(string program, string[] args, string? input = null)
    {
        using var process = Start(program, args, input is not null);
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }

        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return Checked(process, program, args, await output, error);
    }

    private static Process Start(string program, string[] args, bool input)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"cannot start {program}");
    }

    private static string Checked(Process process, string program, string[] args, string output, string error) =>
        process.ExitCode == 0
            ? output
            : throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited {process.ExitCode}: {error}");
}
