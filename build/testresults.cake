// Reads the TRX files `dotnet test` wrote and prints the one summary line CI looks for.
public sealed record TestSummary(int Passed, int Failed, int Skipped)
{
    public override string ToString() => $"Tests: {Passed} passed, {Failed} failed, {Skipped} skipped";

    public static TestSummary FromTrx(IEnumerable<FilePath> trxFiles)
    {
        XNamespace ns = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";
        int passed = 0, failed = 0, total = 0;
        foreach (var file in trxFiles)
        {
            var counters = System.Xml.Linq.XDocument.Load(file.FullPath).Descendants(ns + "Counters").Single();
            int Read(string name) => int.Parse(counters.Attribute(name)?.Value ?? "0");
            passed += Read("passed");
            failed += Read("failed") + Read("error") + Read("timeout") + Read("aborted");
            total += Read("total");
        }

        return new TestSummary(passed, failed, total - passed - failed);
    }
}
