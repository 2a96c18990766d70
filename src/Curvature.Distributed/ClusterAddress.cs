using System.Net;

namespace Curvature.Distributed;

/// <summary>
/// Where a Curvature cluster's membership lives, as given to <c>--cluster</c>:
/// <list type="bullet">
/// <item><c>HOST:PORT</c> — Orleans' development membership, held by the coordinator's silo, which listens on
/// HOST:PORT; workers join it there. For one machine (<c>127.0.0.1:11111</c>) or a trusted LAN; the membership dies with
/// the coordinator, so workers leave with it.</item>
/// <item><c>redis://HOST:PORT</c> — membership in a Redis server every silo reaches (Orleans' Redis clustering
/// provider): for clusters of several machines.</item>
/// </list>
/// </summary>
public sealed record ClusterAddress
{
    ClusterAddress(IPEndPoint? primary, string? redis) => (Primary, Redis) = (primary, redis);

    /// <summary>The coordinator's silo endpoint under development membership, else null.</summary>
    public IPEndPoint? Primary { get; }

    /// <summary>The Redis configuration string (host:port) under Redis membership, else null.</summary>
    public string? Redis { get; }

    /// <summary>The address this silo advertises to the others: loopback when the cluster is on loopback, else this
    /// machine's first IPv4 address that is not loopback.</summary>
    public IPAddress LocalAddress()
    {
        if (Primary is not null && IPAddress.IsLoopback(Primary.Address)) return IPAddress.Loopback;
        if (Redis is not null && Redis.Split(':')[0] is "localhost" or "127.0.0.1") return IPAddress.Loopback;
        return Dns.GetHostAddresses(Dns.GetHostName()).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
               ?? IPAddress.Loopback;
    }

    /// <summary>Parses <c>HOST:PORT</c> (HOST an IPv4 address or <c>localhost</c>) or <c>redis://HOST:PORT</c>.</summary>
    /// <exception cref="ArgumentException">Anything else, naming the accepted forms.</exception>
    public static ClusterAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        const string forms = "expected HOST:PORT (e.g. 127.0.0.1:11111, the coordinator's endpoint) or redis://HOST:PORT";
        if (text.StartsWith("redis://", StringComparison.OrdinalIgnoreCase))
        {
            string rest = text["redis://".Length..].TrimEnd('/');
            if (!TrySplit(rest, out string host, out _) || host.Length == 0)
                throw new ArgumentException($"'{text}': {forms}");
            return new ClusterAddress(null, rest);
        }
        if (!TrySplit(text, out string name, out int port))
            throw new ArgumentException($"'{text}': {forms}");
        IPAddress? address = name == "localhost" ? IPAddress.Loopback : IPAddress.TryParse(name, out var parsed) ? parsed : null;
        if (address is null || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            throw new ArgumentException($"'{text}': the host must be an IPv4 address or localhost; {forms}");
        return new ClusterAddress(new IPEndPoint(address, port), null);
    }

    static bool TrySplit(string text, out string host, out int port)
    {
        host = "";
        port = 0;
        int colon = text.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(text[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port)
            || port is < 1 or > 65535)
            return false;
        host = text[..colon];
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => Primary is not null ? $"{(IPAddress.IsLoopback(Primary.Address) ? "127.0.0.1" : Primary.Address.ToString())}:{Primary.Port}" : $"redis://{Redis}";
}
