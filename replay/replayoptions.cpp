#include "replay/replayoptions.h"

#include "core/util/units.h"

#include <QCommandLineParser>
#include <QRegularExpression>

#include <cmath>

using namespace Qt::Literals::StringLiterals;

namespace replay {

ReplayCommandLine parseReplayCommandLine(const QStringList &arguments)
{
    ReplayCommandLine result;
    auto usageError = [&result](const QString &message) {
        result.action = ReplayCommandLine::Action::UsageError;
        result.text = message;
        return result;
    };

    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Replays the payload of a packet capture (pcap or pcapng) as TCP streams: one connection "
        "per source address (or, with --streams flow, per flow direction), to base_port + k, "
        "where k numbers them in the order in which each first carries payload. Only payload "
        "bytes are sent, no framing. TCP is reassembled per flow direction by sequence number, "
        "as the sender meant it: retransmitted bytes are dropped, segments put back in order, "
        "gaps that never fill given up (the summary counts each per stream).\n\nExit status: 0 "
        "every stream delivered in full; 1 a stream could not be delivered in full, or the "
        "capture's tail was truncated; 2 usage error, or a file that is not a readable capture; "
        "130 interrupted (Ctrl+C)."_s);
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    const QCommandLineOption speedOption(
        u"speed"_s,
        u"Replay timing: 0 as fast as possible (default), 1 the capture's own timing, 2 twice "
        "as fast, 0.5 half as fast."_s,
        u"x"_s);
    const QCommandLineOption protocolOption(
        u"protocol"_s, u"Payload to send: tcp (default), udp or all."_s, u"tcp|udp|all"_s);
    const QCommandLineOption toOption(
        u"to"_s,
        u"How the receiver gets the payload: tcp (default) one connection per stream; udp "
        "each UDP payload as one datagram to base_port + k (implies --protocol udp; for a "
        "receiver started with --udp-ports; UDP may drop: compare the summary's datagrams "
        "with what the receiver recorded and dropped)."_s,
        u"tcp|udp"_s);
    const QCommandLineOption filterOption(
        u"filter"_s,
        u"Only packets matching this libpcap (BPF) expression, e.g. 'host 10.0.0.7'."_s, u"expr"_s);
    const QCommandLineOption noReassemblyOption(
        u"no-reassembly"_s,
        u"Send TCP segments as captured, in capture order: retransmissions again, out-of-order "
        "segments out of order (as pcap2stream did)."_s);
    const QCommandLineOption streamsOption(
        u"streams"_s,
        u"What one stream carries: host (default) every flow of one source address, "
        "interleaved; flow one flow direction (source address:port -> destination "
        "address:port), so both directions of a conversation and each connection of a host "
        "become streams of their own."_s,
        u"host|flow"_s);
    const QCommandLineOption dryRunOption(
        u"dry-run"_s,
        u"Print the mapping (source -> port, packets, bytes, what reassembly repaired, digest) "
        "and the flows behind each stream, and exit without connecting."_s);
    const QCommandLineOption hashOption(
        u"hash"_s,
        u"The digest of each stream's bytes in the summary: xxh128 (default), sha256 or none. "
        "Give the receiver's --hash: the digest then equals the one in its manifest.jsonl "
        "(and what xxhsum -H2 or sha256sum print for the file)."_s,
        u"xxh128|sha256|none"_s);
    const QCommandLineOption tlsOption(u"tls"_s,
                                       u"Connect with TLS (1.2 or newer) to a receiver started "
                                       "with --tls-cert."_s);
    const QCommandLineOption tlsCaOption(
        u"tls-ca"_s,
        u"The receiver's certificate must chain to these PEM CA certificates (default: the "
        "system's CAs). Implies --tls."_s,
        u"pem"_s);
    const QCommandLineOption tlsCertOption(
        u"tls-cert"_s,
        u"Client certificate (PEM) for a receiver that asks for one. Implies --tls."_s, u"pem"_s);
    const QCommandLineOption tlsKeyOption(
        u"tls-key"_s, u"The client certificate's unencrypted key (PEM)."_s, u"pem"_s);
    const QCommandLineOption quietOption(
        {u"q"_s, u"quiet"_s},
        u"No progress bar and no summary (except with --dry-run); errors and warnings only."_s);
    const QCommandLineOption connectTimeoutOption(
        u"connect-timeout"_s,
        u"Seconds to wait for each connection (and its TLS handshake) (default 10)."_s,
        u"seconds"_s);
    const QCommandLineOption closeTimeoutOption(
        u"close-timeout"_s,
        u"Seconds to wait, after the last byte, for the receiver to close each connection; "
        "a stream whose receiver takes nothing for this long is given up and its connection "
        "aborted with a TCP reset (default 30)."_s,
        u"seconds"_s);
    parser.addOptions({speedOption, protocolOption, toOption, filterOption, noReassemblyOption,
                       streamsOption, dryRunOption, hashOption, tlsOption, tlsCaOption,
                       tlsCertOption, tlsKeyOption, quietOption, connectTimeoutOption,
                       closeTimeoutOption});
    parser.addPositionalArgument(u"pcap_file"_s,
                                 u"The capture to replay (- for standard input)."_s);
    parser.addPositionalArgument(u"server"_s,
                                 u"The receiver's host name or address (IPv4 or IPv6)."_s);
    parser.addPositionalArgument(u"base_port"_s,
                                 u"The port of the first stream; the k-th gets base_port + k."_s);

    if (!parser.parse(arguments))
        return usageError(parser.errorText());
    if (parser.isSet(helpOption)) {
        result.action = ReplayCommandLine::Action::ShowHelp;
        result.text = parser.helpText();
        return result;
    }
    if (parser.isSet(versionOption)) {
        result.action = ReplayCommandLine::Action::ShowVersion;
        return result;
    }

    ReplayOptions &options = result.options;
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 3) {
        return usageError(
            u"expected <pcap_file> <server> <base_port>, got %1 argument(s)%2"_s
                .arg(positional.size())
                .arg(positional.isEmpty() ? QString() : u": "_s + positional.join(u' ')));
    }
    options.captureFile = positional[0];
    options.server = positional[1];
    if (options.server.isEmpty())
        return usageError(u"invalid server '': give a host name or an address"_s);
    bool ok = false;
    const uint port = positional[2].toUInt(&ok);
    if (!ok || port < 1 || port > 65535 || !positional[2].front().isDigit())
        return usageError(
            u"invalid base_port '%1': expected a port, 1 to 65535"_s.arg(positional[2]));
    options.basePort = std::uint16_t(port);

    if (parser.isSet(speedOption)) {
        const QString text = parser.value(speedOption);
        static const QRegularExpression number(u"^\\d{1,6}(\\.\\d{1,6})?$"_s);
        if (!number.match(text).hasMatch())
            return usageError(u"invalid --speed '%1': expected 0 (as fast as possible) or a "
                              "factor such as 1, 2 or 0.5"_s.arg(text));
        options.speed = text.toDouble();
    }
    if (parser.isSet(protocolOption)) {
        const QString text = parser.value(protocolOption);
        if (text == u"tcp")
            options.protocol = ProtocolChoice::Tcp;
        else if (text == u"udp")
            options.protocol = ProtocolChoice::Udp;
        else if (text == u"all")
            options.protocol = ProtocolChoice::All;
        else
            return usageError(u"invalid --protocol '%1': expected tcp, udp or all"_s.arg(text));
    }
    if (parser.isSet(toOption)) {
        const QString text = parser.value(toOption);
        if (text == u"udp")
            options.toUdp = true;
        else if (text != u"tcp")
            return usageError(u"invalid --to '%1': expected tcp or udp"_s.arg(text));
        if (options.toUdp && parser.isSet(protocolOption) &&
            options.protocol != ProtocolChoice::Udp)
            return usageError(u"invalid --protocol '%1': --to udp sends UDP payload only"_s.arg(
                parser.value(protocolOption)));
        if (options.toUdp)
            options.protocol = ProtocolChoice::Udp;
    }
    if (parser.isSet(streamsOption)) {
        const QString text = parser.value(streamsOption);
        if (text == u"host")
            options.streams = StreamsBy::Host;
        else if (text == u"flow")
            options.streams = StreamsBy::Flow;
        else
            return usageError(u"invalid --streams '%1': expected host or flow"_s.arg(text));
    }
    options.reassemble = !parser.isSet(noReassemblyOption);
    if (parser.isSet(hashOption)) {
        const QString text = parser.value(hashOption);
        const std::optional<capture::HashAlgorithm> hash = capture::hashAlgorithmFromName(text);
        if (!hash)
            return usageError(u"invalid --hash '%1': expected xxh128, sha256 or none"_s.arg(text));
        options.hash = *hash;
    }
    if (parser.isSet(filterOption)) {
        options.filter = parser.value(filterOption);
        if (options.filter.trimmed().isEmpty())
            return usageError(u"invalid --filter '%1': give a BPF expression such as 'tcp port "
                              "80'"_s.arg(options.filter));
    }
    for (const auto &[option, target] :
         {std::pair{&connectTimeoutOption, &options.connectTimeoutMs},
          std::pair{&closeTimeoutOption, &options.closeTimeoutMs}}) {
        if (!parser.isSet(*option))
            continue;
        const QString text = parser.value(*option);
        const auto ms = capture::parseSecondsToMs(text);
        if (!ms || *ms == 0)
            return usageError(u"invalid --%1 '%2': expected seconds, more than 0"_s.arg(
                option->names().constFirst(), text));
        *target = *ms;
    }
    for (const auto &[option, target] :
         {std::pair{&tlsCaOption, &options.tlsCa}, std::pair{&tlsCertOption, &options.tlsCert},
          std::pair{&tlsKeyOption, &options.tlsKey}}) {
        if (!parser.isSet(*option))
            continue;
        *target = parser.value(*option);
        if (target->isEmpty())
            return usageError(
                u"invalid --%1 '': give a PEM file"_s.arg(option->names().constFirst()));
    }
    if (options.tlsCert.isEmpty() != options.tlsKey.isEmpty())
        return usageError(options.tlsCert.isEmpty() ? u"--tls-key needs --tls-cert"_s
                                                    : u"--tls-cert needs --tls-key"_s);
    options.tls = parser.isSet(tlsOption) || !options.tlsCa.isEmpty() || !options.tlsCert.isEmpty();
    if (options.tls && options.toUdp)
        return usageError(u"--to udp cannot be combined with --tls (datagrams are sent plain)"_s);
    options.dryRun = parser.isSet(dryRunOption);
    options.quiet = parser.isSet(quietOption);
    return result;
}

} // namespace replay
