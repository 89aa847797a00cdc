namespace VmLab.Suites;

/// <summary>
/// A benchmark suite's settings in a profile: the record type that <c>lab/profiles.json</c> holds under the suite id
/// (declared in the suite's folder), and how that record becomes the commands the lab runs.
/// </summary>
/// <param name="Type">The settings record, read from the profile's object named after the suite id.</param>
/// <param name="Commands">The commands of a settings record of <paramref name="Type"/>, one per output.</param>
public sealed record SuiteSettings(Type Type, Func<object, IEnumerable<ILabSuite>> Commands)
{
    /// <summary>Settings of record type <typeparamref name="T"/>, whose commands <paramref name="commands"/> makes.</summary>
    public static SuiteSettings Of<T>(Func<T, IEnumerable<ILabSuite>> commands)
        where T : class =>
        new(typeof(T), settings => commands((T)settings));
}
