using System.Collections;
using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace VmLab.Results;

/// <summary>The one JSON shape of manifest.json and results.json: snake_case, indented, '\n' line ends, quotes kept readable.</summary>
public static partial class RunJson
{
    /// <summary>The serializer options shared by every run-directory file.</summary>
    public static JsonSerializerOptions Options { get; } = Strict(new()
    {
        WriteIndented = true,
        NewLine = "\n",
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    });

    /// <summary>
    /// <paramref name="options"/> made strict for files a person may have edited: a null where the type says a value
    /// must be, or a key given twice in one object (which one would hold?), is an error, not a silent default.
    /// </summary>
    public static JsonSerializerOptions Strict(JsonSerializerOptions options)
    {
        options.RespectNullableAnnotations = true;
        options.AllowDuplicateProperties = false;
        return options;
    }

    /// <summary><paramref name="value"/> as the file text (ends with a newline, so diffs and cat behave).</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options) + "\n";

    /// <summary>
    /// Reads <paramref name="json"/> (<paramref name="what"/> names the file) with <paramref name="options"/> (default:
    /// <see cref="Options"/>). Any fault is a <see cref="JsonException"/> whose message names the field and what it
    /// should hold (<see cref="Describe"/>), including a null inside a list or map whose type allows none.
    /// </summary>
    public static T Deserialize<T>(string json, string what, JsonSerializerOptions? options = null)
    {
        options ??= Options;
        T? value;
        try
        {
            value = JsonSerializer.Deserialize<T>(json, options);
        }
        catch (JsonException e)
        {
            throw new JsonException(Describe(e, TypeAt(typeof(T), e.Path, options)), e.Path, e.LineNumber, e.BytePositionInLine, e);
        }

        if (value is null)
        {
            throw new JsonException($"{what} is empty (null).");
        }

        if (NullInside(value, "$", options, new NullabilityInfoContext()) is { } path)
        {
            throw new JsonException($"the field {Field(path)} is null; it must hold a value.", path, null, null);
        }

        return value;
    }

    /// <summary>
    /// What is wrong with a file's JSON, in words: the field (its JSON path) and what it should hold, instead of
    /// System.Text.Json's "could not be converted to System.Nullable`1[System.UInt64]".
    /// </summary>
    /// <param name="e">What System.Text.Json threw.</param>
    /// <param name="type">The type the field at <see cref="JsonException.Path"/> has, when known (<see cref="TypeAt"/>).</param>
    public static string Describe(JsonException e, Type? type = null)
    {
        var field = e.Path is null or "$" ? "the file" : $"the field {Field(e.Path)}";
        var message = e.Message;
        var where = e.LineNumber is { } line ? $" (line {line + 1})" : "";
        if (message.Contains("could not be converted to", StringComparison.Ordinal))
        {
            return $"{field} is not {Expected(type)}{where}.";
        }

        if (message.Contains("null", StringComparison.OrdinalIgnoreCase) && message.Contains("doesn't allow", StringComparison.Ordinal))
        {
            return $"{field} is null; it must hold a value{where}.";
        }

        if (MissingRequired().Match(message) is { Success: true } missing)
        {
            return $"the file lacks required fields: {missing.Groups["names"].Value}.";
        }

        if (message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase))
        {
            return $"{field} is given twice in one object{where}: which one holds is not known.";
        }

        // A syntax error, or a converter's own words ("A metric is a finite number or a string; …"): its first sentence.
        var text = message.Split(" Path: ", 2)[0].Split(" LineNumber: ", 2)[0].TrimEnd(' ', '|', '.');
        return e.Path is null or "$" ? $"{text}{where}." : $"{field}: {text}{where}.";
    }

    private static string Field(string path) => path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    private static string Expected(Type? type)
    {
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            null => "what the file's format expects there (docs/CONTRACTS.md)",
            _ when type == typeof(ulong) => "a whole number from 0 to 18446744073709551615",
            _ when type == typeof(int) => "a whole number from -2147483648 to 2147483647",
            _ when type == typeof(long) => "a whole number from -9223372036854775808 to 9223372036854775807",
            _ when type == typeof(double) => "a number",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(DateTimeOffset) => "a date and time such as \"2026-11-29T10:36:00+00:00\"",
            _ when type == typeof(string) => "a string",
            _ when type.IsEnum => $"one of {string.Join(", ", Enum.GetNames(type))}",
            _ when typeof(IDictionary).IsAssignableFrom(type) || type.Name.Contains("Dictionary", StringComparison.Ordinal) => "an object of named values",
            _ when typeof(IEnumerable).IsAssignableFrom(type) => "a list",
            _ => $"an object (a {type.Name})",
        };
    }

    /// <summary>The declared type of the field at JSON <paramref name="path"/> ($.units['baseline/ab/1'].state) in <paramref name="root"/>, or null.</summary>
    public static Type? TypeAt(Type root, string? path, JsonSerializerOptions options)
    {
        Type? type = root;
        foreach (Match step in PathStep().Matches(path ?? ""))
        {
            if (type is null)
            {
                return null;
            }

            if (step.Groups["name"].Success)
            {
                var info = options.GetTypeInfo(type);
                type = info.Kind == JsonTypeInfoKind.Object ? info.Properties.FirstOrDefault(p => p.Name == step.Groups["name"].Value)?.PropertyType : null;
            }
            else
            {
                // An element of a list or a value of a map: the last generic argument, or the array's element type.
                type = type.IsArray ? type.GetElementType() : type.GetInterfaces().Append(type).Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))
                    .Select(i => i.GetGenericArguments()[0]).Select(e => e.IsGenericType && e.GetGenericTypeDefinition() == typeof(KeyValuePair<,>) ? e.GetGenericArguments()[1] : e).FirstOrDefault();
            }
        }

        return type;
    }

    /// <summary>
    /// The JSON path of the first null inside <paramref name="value"/>'s lists and maps whose element type is not
    /// nullable (<see cref="JsonSerializerOptions.RespectNullableAnnotations"/> covers properties, not elements), or null.
    /// </summary>
    private static string? NullInside(object value, string path, JsonSerializerOptions options, NullabilityInfoContext nullability)
    {
        var info = options.GetTypeInfo(value.GetType());
        if (info.Kind != JsonTypeInfoKind.Object)
        {
            return null;
        }

        foreach (var property in info.Properties.Where(p => p.Get is not null && (p.Set is not null || p.AssociatedParameter is not null)))
        {
            if (property.Get!(value) is not { } child || property.AttributeProvider is not PropertyInfo member)
            {
                continue;
            }

            var declared = nullability.Create(member);
            var childPath = $"{path}.{property.Name}";
            IEnumerable<(object? Item, string Path)> items;
            NullabilityInfo? element;
            switch (child)
            {
                case IDictionary map:
                    items = map.Keys.Cast<object>().Select(key => (map[key], $"{childPath}['{key}']"));
                    element = declared.GenericTypeArguments is [_, var v] ? v : null;
                    break;
                case IEnumerable list and not string:
                    items = list.Cast<object?>().Select((item, i) => (item, $"{childPath}[{i}]"));
                    element = declared.ElementType ?? (declared.GenericTypeArguments is [var e] ? e : null);
                    break;
                default:
                    items = [(child, childPath)];
                    element = null;
                    break;
            }

            foreach (var (item, itemPath) in items)
            {
                var found = item is null
                    ? (element?.ReadState == NullabilityState.NotNull ? itemPath : null)
                    : NullInside(item, itemPath, options, nullability);
                if (found is not null)
                {
                    return found;
                }
            }
        }

        return null;
    }

    [GeneratedRegex(@"\.(?<name>[^.\[]+)|\[(?:'(?<key>(?:[^']|'')*)'|(?<index>\d+))\]")]
    private static partial Regex PathStep();

    [GeneratedRegex(@"missing required properties including: (?<names>.+?)\.?$")]
    private static partial Regex MissingRequired();
}
