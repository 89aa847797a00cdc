namespace VmLab.CommandLine;

/// <summary>Whether output may be decorated (colour, panels, wrapping) or must stay plain lines.</summary>
internal static class Terminal
{
    /// <summary>
    /// True when a stream goes to a file or a pipe (<paramref name="redirected"/>) or the user set NO_COLOR
    /// (https://no-color.org): then only plain, unwrapped lines.
    /// </summary>
    public static bool Plain(bool redirected) => Plain(redirected, Environment.GetEnvironmentVariable);

    /// <summary><see cref="Plain(bool)"/> with the environment given (tests).</summary>
    public static bool Plain(bool redirected, Func<string, string?> environment) => redirected || environment("NO_COLOR") is { Length: > 0 };
}
