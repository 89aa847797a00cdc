namespace VmLab.Tests;

/// <summary>Locates the real tool outputs under <c>fixtures/</c> (copied beside the test assembly).</summary>
internal static class Fixture
{
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([AppContext.BaseDirectory, "fixtures", .. parts]);

    public static string Read(params string[] parts) => File.ReadAllText(Path(parts));
}
