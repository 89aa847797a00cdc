using VmLab.Common;
using VmLab.Lab.Plan;

namespace VmLab.Tests.Lab;

/// <summary>The repository's own lab/profiles.json, as the tests use it.</summary>
internal static class Profiles
{
    public static RepoPaths Repo => RepoPaths.Find(AppContext.BaseDirectory);

    public static LabProfile Smoke => LabProfiles.Load(Repo, "smoke");
    public static LabProfile Full => LabProfiles.Load(Repo, "full");
    public static LabProfile Quick => LabProfiles.Load(Repo, "quick");
}
