using System.Text.RegularExpressions;
using VmLab.Common;

namespace VmLab.Tests.Common;

/// <summary>
/// docs/MAP.md stays true to src/VmLab/: every folder is named in it and every folder it names exists; the lab keeps
/// its rooms (few files at Lab/'s root) and no source file grows past the size a reader takes in.
/// </summary>
public sealed partial class CodeMapTests
{
    private static readonly RepoPaths Repo = RepoPaths.Find(AppContext.BaseDirectory);
    private static readonly string Library = Path.Combine(Repo.Root, "src", "VmLab");

    private static IEnumerable<string> SourceFolders() =>
        Directory.EnumerateDirectories(Library, "*", SearchOption.AllDirectories)
            .Select(d => Path.GetRelativePath(Repo.Root, d).Replace('\\', '/'))
            .Where(d => !Regex.IsMatch(d, @"/(bin|obj)(/|$)"))
            .Order(StringComparer.Ordinal);

    [Fact]
    public void The_map_names_every_folder_of_the_library_and_only_folders_that_exist()
    {
        var map = File.ReadAllText(Path.Combine(Repo.Root, "docs", "MAP.md"));
        var named = FolderMention().Matches(map).Select(m => m.Groups["path"].Value.TrimEnd('/')).ToHashSet(StringComparer.Ordinal);
        var folders = SourceFolders().ToList();

        var unnamed = folders.Except(named).ToList();
        var gone = named.Where(n => !Directory.Exists(Path.Combine(Repo.Root, n))).ToList();

        Assert.Empty(unnamed);
        Assert.Empty(gone);
        Assert.Contains("src/VmLab/Lab/Plan", folders); // the walk really sees the rooms
    }

    [Fact]
    public void The_lab_keeps_its_orchestrator_at_the_root_and_everything_else_in_rooms()
    {
        var atRoot = Directory.GetFiles(Path.Combine(Library, "Lab"), "*.cs").Select(Path.GetFileName).ToList();

        Assert.InRange(atRoot.Count, 1, 6);
        Assert.Contains("LabRunner.cs", atRoot);
    }

    [Fact]
    public void No_source_file_is_over_400_lines()
    {
        var sources = Directory.EnumerateFiles(Path.Combine(Repo.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !Regex.IsMatch(f.Replace('\\', '/'), @"/(bin|obj)/"))
            .ToList();
        var tooLong = sources
            .Select(f => (File: Path.GetRelativePath(Repo.Root, f), Lines: File.ReadLines(f).Count()))
            .Where(f => f.Lines > 400)
            .Select(f => $"{f.File}: {f.Lines} lines");

        Assert.NotEmpty(sources);
        Assert.Empty(tooLong);
    }

    [GeneratedRegex(@"`(?<path>src/VmLab(/[A-Za-z0-9]+)*)/?`")]
    private static partial Regex FolderMention();
}
