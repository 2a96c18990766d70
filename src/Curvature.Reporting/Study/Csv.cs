using System.Globalization;
using System.Text;

namespace Curvature.Reporting.Study;

/// <summary>Writes RFC 4180 CSV: a header row, fields quoted when they hold a comma, quote or line break, CRLF line
/// ends, invariant culture, doubles in shortest round-trip form ("R"), an empty field for NaN (not measured).</summary>
public sealed class Csv
{
    readonly StringBuilder text = new();
    readonly int columns;

    /// <summary>Starts a table with its header.</summary>
    public Csv(params string[] header)
    {
        columns = header.Length;
        Row(header.Select(h => (object?)h).ToArray());
    }

    /// <summary>Rows written, not counting the header.</summary>
    public int Rows { get; private set; } = -1;

    /// <summary>Appends one row; it must have as many fields as the header.</summary>
    public Csv Row(params object?[] fields)
    {
        if (fields.Length != columns) throw new ArgumentException($"a CSV row needs {columns} fields; got {fields.Length}");
        text.AppendJoin(',', fields.Select(Field)).Append("\r\n");
        Rows++;
        return this;
    }

    /// <summary>The table's text.</summary>
    public override string ToString() => text.ToString();

    /// <summary>One field as written.</summary>
    public static string Field(object? value) => value switch
    {
        null => "",
        double d => Number(d),
        float f => Number(f),
        bool b => b ? "true" : "false",
        IFormattable f => Quote(f.ToString(null, CultureInfo.InvariantCulture)),
        _ => Quote(value.ToString() ?? ""),
    };

    /// <summary>A double: shortest round-trip text, "" for NaN, "Infinity"/"-Infinity" for ±∞ (both parse back with
    /// <see cref="double.Parse(string, IFormatProvider)"/> in the invariant culture).</summary>
    public static string Number(double value) => double.IsNaN(value) ? "" : value.ToString("R", CultureInfo.InvariantCulture);

    static string Quote(string s) =>
        s.IndexOfAny([',', '"', '\r', '\n']) < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";
}
