using System.Collections;

namespace VmLab.Release;

/// <summary>
/// The environment variables the release stage reads, captured once (so tests pass their own, and nothing
/// else in the stage reads the process environment). In GitHub Actions the runner sets all but the token,
/// which the workflow passes from <c>secrets.GITHUB_TOKEN</c>.
/// See https://docs.github.com/actions/reference/variables-reference#default-environment-variables
/// </summary>
/// <param name="Token">GITHUB_TOKEN; null when unset or empty.</param>
/// <param name="Repository">GITHUB_REPOSITORY, <c>owner/name</c>.</param>
/// <param name="RefType">GITHUB_REF_TYPE: <c>tag</c> or <c>branch</c>.</param>
/// <param name="RefName">GITHUB_REF_NAME: the tag or branch that triggered the workflow.</param>
/// <param name="Sha">GITHUB_SHA: the commit a new tag is created at.</param>
/// <param name="InGitHubActions">GITHUB_ACTIONS=true: workflow commands such as <c>::add-mask::</c> are understood.</param>
/// <param name="ApiUrl">GITHUB_API_URL: the API of the GitHub (or GitHub Enterprise) instance running the workflow.</param>
public sealed record ReleaseEnvironment(
    GitHubToken? Token,
    string? Repository,
    string? RefType,
    string? RefName,
    string? Sha,
    bool InGitHubActions,
    string? ApiUrl = null)
{
    public const string TokenVariable = "GITHUB_TOKEN";

    /// <summary>The tag GitHub Actions was triggered by, if it was a tag push.</summary>
    public string? TriggeringTag => RefType == "tag" && !string.IsNullOrWhiteSpace(RefName) ? RefName : null;

    /// <summary>Reads the current process's environment.</summary>
    public static ReleaseEnvironment FromProcess()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            variables[(string)e.Key] = e.Value as string ?? string.Empty;
        }

        return From(variables);
    }

    /// <summary>Reads the given variables (empty values count as unset, as a shell's <c>FOO=</c> means).</summary>
    public static ReleaseEnvironment From(IReadOnlyDictionary<string, string> variables)
    {
        string? Read(string name) => variables.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
        return new ReleaseEnvironment(
            Read(TokenVariable) is { } token ? new GitHubToken(token) : null,
            Read("GITHUB_REPOSITORY"),
            Read("GITHUB_REF_TYPE"),
            Read("GITHUB_REF_NAME"),
            Read("GITHUB_SHA"),
            string.Equals(Read("GITHUB_ACTIONS"), "true", StringComparison.OrdinalIgnoreCase),
            Read("GITHUB_API_URL"));
    }
}

/// <summary>
/// The GitHub token. Its <see cref="ToString"/> is a mask, so interpolating it into a message or a log line
/// cannot leak it; the value is read only where Octokit's credentials are made.
/// </summary>
public sealed class GitHubToken(string value)
{
    private const string Mask = "***";

    /// <summary>The secret itself: for the HTTP Authorization header, nothing else.</summary>
    public string Reveal() => value;

    public override string ToString() => Mask;

    /// <summary>Replaces the token wherever it appears in <paramref name="text"/> (e.g. an API error echoing a request).</summary>
    public string Redact(string text) => text.Replace(value, Mask, StringComparison.Ordinal);

    /// <summary>
    /// In GitHub Actions, tells the runner to mask the value in every later log line, including those of child
    /// processes. The runner consumes this workflow command; it does not appear in the log.
    /// See https://docs.github.com/actions/reference/workflow-commands-for-github-actions#masking-a-value-in-a-log
    /// </summary>
    public void MaskInActionsLog(TextWriter output) => output.WriteLine($"::add-mask::{value}");
}
