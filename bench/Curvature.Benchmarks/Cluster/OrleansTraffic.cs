using System.Diagnostics.Metrics;

namespace Curvature.Benchmarks.Cluster;

/// <summary>
/// Bytes of the Orleans messages this process's silo sent and received over its connections (whole messages: header
/// and body), summed from Orleans' own metrics — the histograms <c>orleans-messaging-sent-messages-size</c> and
/// <c>orleans-messaging-received-messages-size</c> of the <c>Microsoft.Orleans</c> meter, which record each message's
/// size as it is written to or read from a connection. Calls between grains of one silo are not counted (they are not
/// serialized onto a connection), nor is anything the workers send each other.
/// </summary>
public sealed class OrleansTraffic : IDisposable
{
    const string MeterName = "Microsoft.Orleans";
    const string SentInstrument = "orleans-messaging-sent-messages-size";
    const string ReceivedInstrument = "orleans-messaging-received-messages-size";

    readonly MeterListener _listener = new();
    long _sent, _received;

    /// <summary>Starts listening (before the silo is built, so its instruments are seen as they are published).</summary>
    public OrleansTraffic()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeterName && instrument.Name is SentInstrument or ReceivedInstrument)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => Add(instrument, value));
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Add(instrument, value));
        _listener.Start();
    }

    /// <summary>Message bytes sent so far.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Message bytes received so far.</summary>
    public long Received => Interlocked.Read(ref _received);

    void Add(Instrument instrument, long value)
    {
        if (instrument.Name == SentInstrument) Interlocked.Add(ref _sent, value);
        else Interlocked.Add(ref _received, value);
    }

    /// <summary>Stops listening.</summary>
    public void Dispose() => _listener.Dispose();
}
