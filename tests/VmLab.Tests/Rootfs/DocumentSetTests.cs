using System.Text;
using System.Text.RegularExpressions;
using VmLab.Rootfs;

namespace VmLab.Tests.Rootfs;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DocumentSetTests
{
    [Fact]
    public void The_index_is_exactly_the_size_the_study_served_and_links_only_to_pages_in_the_set()
    {
        var files = DocumentSet.Generate(41288).ToDictionary(f => f.Path, f => f.Content);

        var index = files["gcc/index.html"];
        Assert.Equal(41288, index.Length);
        var html = Encoding.ASCII.GetString(index);
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.EndsWith("</html>\n", html);
        var links = Regex.Matches(html, "href=\"([^\"]+)\"").Select(m => "gcc/" + m.Groups[1].Value).ToList();
        Assert.Equal(40, links.Count);
        Assert.All(links, l => Assert.True(files.ContainsKey(l), l));
        Assert.All(files.Values, c => Assert.All(c, b => Assert.InRange(b, (byte)9, (byte)126)));
    }

    [Fact]
    public void The_set_is_the_same_bytes_every_time()
    {
        var a = DocumentSet.Generate(41288);
        var b = DocumentSet.Generate(41288);

        Assert.Equal(a.Select(f => f.Path), b.Select(f => f.Path));
        Assert.All(a.Zip(b), p => Assert.Equal(p.First.Content, p.Second.Content));
    }

    [Theory]
    [InlineData(8000)]
    [InlineData(41289)]
    [InlineData(100000)]
    public void Other_sizes_are_hit_exactly_too(int size) =>
        Assert.Equal(size, DocumentSet.Index(size).Length);

    [Fact]
    public void A_size_too_small_for_the_table_of_contents_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => DocumentSet.Index(1000));
}
