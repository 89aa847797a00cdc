using System.ComponentModel;
using System.Globalization;
using System.Numerics;
using System.Reflection;
using Spectre.Console.Cli;

namespace VmLab.CommandLine;

/// <summary>
/// A whole-number option's value, refused with the option's name and range instead of Spectre's "Failed to convert
/// '-1' to Nullable`1" (issue 26, item 14). Spectre wraps a converter's exception; Program unwraps this one.
/// </summary>
internal abstract class WholeNumberOption<T>(string option, T min, T max) : TypeConverter
    where T : struct, IBinaryInteger<T>, IMinMaxValue<T>
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) => sourceType == typeof(string);

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        T.TryParse((string)value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
            ? number
            : throw new UsageException($"{option} '{value}' is not a whole number from {min} to {max}");
}

internal sealed class SeedOption() : WholeNumberOption<ulong>("--seed", ulong.MinValue, ulong.MaxValue);

internal sealed class ShardsOption() : WholeNumberOption<int>("--shards", 1, int.MaxValue);

internal sealed class L1CpusOption() : WholeNumberOption<int>("--l1-cpus", 1, 1024);

internal sealed class L2CpusOption() : WholeNumberOption<int>("--l2-cpus", 1, 1024);

internal sealed class L1MemoryOption() : WholeNumberOption<long>("--l1-memory", 1, long.MaxValue / (1024 * 1024));

internal sealed class L2MemoryOption() : WholeNumberOption<long>("--l2-memory", 1, long.MaxValue / (1024 * 1024));

internal sealed class JobsOption() : WholeNumberOption<int>("--jobs", 1, 4096);

internal sealed class HeadroomOption() : WholeNumberOption<int>("--headroom-mib", 0, int.MaxValue);

/// <summary>Options and arguments given an empty value (<c>--out ""</c>): refused naming them, before a command runs.</summary>
internal static class EmptyValues
{
    /// <summary>Throws a <see cref="UsageException"/> naming the first option or argument of <paramref name="settings"/> given as "".</summary>
    public static void Refuse(CommandSettings settings)
    {
        // An option whose default is "" (merge's --out) cannot be told from one given as "": its command checks it. A
        // required argument is always given.
        var defaults = Activator.CreateInstance(settings.GetType());
        foreach (var property in settings.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var value = property.GetValue(settings);
            var given = property.GetCustomAttribute<CommandArgumentAttribute>() is { IsRequired: true } || property.GetValue(defaults) is not "";
            if (value is not ("" or string[]) || value is string[] values && !values.Contains("") || !given)
            {
                continue;
            }

            if (property.GetCustomAttribute<CommandOptionAttribute>() is { } option)
            {
                var name = "--" + option.LongNames.FirstOrDefault();
                throw new UsageException($"{name} is given an empty value; it needs {(option.ValueName is { } v ? $"<{v}>" : "a value")}, e.g. {name} {Example(option.ValueName)}");
            }

            if (property.GetCustomAttribute<CommandArgumentAttribute>() is { } argument)
            {
                throw new UsageException($"the argument <{argument.ValueName}> is empty; it needs a value, e.g. {Example(argument.ValueName)}");
            }
        }
    }

    private static string Example(string? valueName) => valueName switch
    {
        "FILE" => "results/R/REPORT.md",
        "DIR" or "run-dir" or "run-dir-A" or "run-dir-B" or "shard-dir" => "results/2026-11-29T1036Z-smoke",
        _ => "VALUE",
    };
}
