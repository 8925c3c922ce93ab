// capture-replay end to end: captures written by the test (pcapwriter.h) for every link type,
// replayed by the real capture-replay into the real capture-receiver; every stream's file must
// equal what the capture carried, with the same digest (xxh128 or SHA-256, as --hash says) in
// the replay's summary and in the receiver's manifest. Only 127.0.0.1 and ::1, ports found free at
// run time, bounded waits.
#include "pcapwriter.h"
#include "receiverprocess.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QScopeGuard>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <algorithm>
#include <map>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace TestSupport;

namespace {

using pcapgen::Bytes;

constexpr int replayTimeoutMs = 120000;

QString replayBinary()
{
    return QStringLiteral(CAPTURE_REPLAY_BINARY);
}

/// One packet of a test capture. A TCP segment's sequence number continues its flow's (in
/// order, no retransmission) unless `sequence` is given; a SYN is a connection attempt on
/// port 41000 that never carries data.
struct TestPacket
{
    enum class Kind { Tcp, Udp, Syn, Fragment, Cut, Arp };
    Kind kind = Kind::Tcp;
    std::string source;
    Bytes payload;
    std::int64_t atMs = 0; ///< since the first packet
    std::optional<std::uint32_t> sequence{};
    std::uint8_t flags = pcapgen::tcpflag::Ack | pcapgen::tcpflag::Psh; ///< TCP only
    std::uint16_t sourcePort = 40000;
    std::uint16_t destinationPort = 80;
    std::string destination{}; ///< default: 10.9.9.9 or 2001:db8::100
};

/// Where the sequence numbers of the test captures' flows start: close to the wrap, so that
/// most captures cross it.
constexpr std::uint32_t firstSequence = 4294967296ULL - 5000;

/// What the repair columns of a stream's summary line must say.
struct Repaired
{
    qint64 retransmitted = 0;
    qint64 reordered = 0;
    qint64 gaps = 0;
    qint64 missing = 0;
    bool operator==(const Repaired &) const = default;
};

/// What the replay of a capture must deliver: per stream (source, or flow with --streams flow,
/// in the order of the rule), the payload bytes in order.
struct Expected
{
    std::vector<std::string> sources;
    std::map<std::string, QByteArray> data;
    std::map<std::string, int> packets;
    std::map<std::string, Repaired> repaired; ///< checked when given
};

bool isV6(const std::string &address)
{
    return address.find(':') != std::string::npos;
}

/// The IP packet of `p` (or, for ARP, the Ethernet payload); `sequence` for TCP.
Bytes ipPacket(const TestPacket &p, std::uint16_t index, std::uint32_t sequence)
{
    using namespace pcapgen;
    const bool udpKind = p.kind == TestPacket::Kind::Udp;
    const bool syn = p.kind == TestPacket::Kind::Syn;
    const std::uint8_t proto = udpKind ? ipproto::Udp : ipproto::Tcp;
    Bytes transport = udpKind ? udp({.sourcePort = 40000, .destinationPort = 9000}, p.payload)
                              : tcp({.sourcePort = syn ? std::uint16_t(41000) : p.sourcePort,
                                     .destinationPort = p.destinationPort,
                                     .sequence = syn ? 0 : sequence,
                                     .flags = syn ? tcpflag::Syn : p.flags},
                                    syn ? Bytes{} : p.payload);
    if (isV6(p.source)) {
        Ipv6Header h{.source = p.source,
                     .destination = p.destination.empty() ? "2001:db8::100" : p.destination,
                     .nextHeader = proto};
        if (p.kind == TestPacket::Kind::Fragment)
            h.extensions.push_back(fragment(0, true));
        else
            h.extensions.push_back(hopByHop(8)); // an extension header to skip
        return ipv6(h, transport);
    }
    Ipv4Header h{.source = p.source,
                 .destination = p.destination.empty() ? "10.9.9.9" : p.destination,
                 .protocol = proto,
                 .identification = index};
    h.moreFragments = p.kind == TestPacket::Kind::Fragment;
    return ipv4(h, transport);
}

/// Writes `packets` as a capture of `linkType`; returns what the replay must deliver.
Expected writeCapture(const QString &path, int linkType, pcapgen::PcapWriter::Format format,
                      const std::vector<TestPacket> &packets, bool udpWanted = false,
                      bool tcpWanted = true, bool nanoseconds = true)
{
    using namespace pcapgen;
    PcapWriter writer(path.toStdString(), linkType, format, nanoseconds);
    if (!writer.isOpen())
        qFatal("cannot write %s: %s", qPrintable(path), writer.errorString().c_str());
    Expected expected;
    std::uint16_t index = 0;
    std::map<std::string, std::uint32_t> nextSequence; // per flow
    for (const TestPacket &p : packets) {
        ++index;
        const std::string flow = p.source + ":" + std::to_string(p.sourcePort) + ">" +
                                 p.destination + ":" + std::to_string(p.destinationPort);
        if (!nextSequence.count(flow))
            nextSequence[flow] = firstSequence;
        const std::uint32_t tcpSequence = p.sequence.value_or(nextSequence[flow]);
        const auto at = std::chrono::nanoseconds(1'700'000'000'000'000'000LL) +
                        std::chrono::milliseconds(p.atMs);
        Bytes frame;
        if (p.kind == TestPacket::Kind::Arp) {
            frame = ethernet(sequence(28), {.etherType = ethertype::Arp});
        } else {
            frame = wrap(linkType, ipPacket(p, index, tcpSequence));
        }
        if (p.kind == TestPacket::Kind::Cut) { // snap-length cut: the payload is incomplete
            const std::size_t original = frame.size();
            frame.resize(frame.size() - 10);
            writer.add(at, frame, original);
            continue;
        }
        writer.add(at, frame);
        if (p.kind == TestPacket::Kind::Tcp && !p.sequence)
            nextSequence[flow] = tcpSequence + std::uint32_t(p.payload.size());
        const bool carries = (p.kind == TestPacket::Kind::Tcp && tcpWanted) ||
                             (p.kind == TestPacket::Kind::Udp && udpWanted);
        if (!carries || p.payload.empty())
            continue;
        if (!expected.data.count(p.source))
            expected.sources.push_back(p.source);
        expected.data[p.source].append(reinterpret_cast<const char *>(p.payload.data()),
                                       qsizetype(p.payload.size()));
        ++expected.packets[p.source];
    }
    if (!writer.close())
        qFatal("cannot write %s: %s", qPrintable(path), writer.errorString().c_str());
    return expected;
}

Bytes randomPayload(std::size_t size, quint64 seed)
{
    const QByteArray data = patternData(seed, qsizetype(size));
    return Bytes(data.begin(), data.end());
}

/// `count` TCP payload packets of `size` bytes from 10.0.0.1, `spacingMs` apart.
std::vector<TestPacket> oneSourcePackets(int count, std::size_t size, int spacingMs)
{
    std::vector<TestPacket> packets;
    for (int i = 0; i < count; ++i)
        packets.push_back(
            {TestPacket::Kind::Tcp, "10.0.0.1", randomPayload(size, quint64(i)), i * spacingMs});
    return packets;
}

/// Three sources, interleaved, with every kind of packet that is not sent among them. The
/// source that sends first (a SYN) carries payload last, so it must get base_port + 2.
std::vector<TestPacket> mixedPackets(bool withIpv6)
{
    using K = TestPacket::Kind;
    const std::string a = "10.0.0.1", b = "10.0.0.2";
    const std::string c = withIpv6 ? "2001:db8::3" : "10.0.0.3";
    std::vector<TestPacket> packets;
    packets.push_back({K::Syn, c, {}, 0});
    packets.push_back({K::Arp, a, {}, 1});
    quint64 seed = 1;
    for (int i = 0; i < 60; ++i) {
        packets.push_back({K::Tcp, a, randomPayload(1 + (i * 97) % 1400, seed++), 2 + i});
        packets.push_back({K::Tcp, b, randomPayload(1 + (i * 31) % 900, seed++), 2 + i});
        if (i >= 5)
            packets.push_back({K::Tcp, c, randomPayload(1 + (i * 53) % 1200, seed++), 2 + i});
        if (i % 10 == 0) {
            packets.push_back({K::Udp, b, randomPayload(100, seed++), 2 + i});
            packets.push_back({K::Fragment, a, randomPayload(300, seed++), 2 + i});
            packets.push_back({K::Cut, b, randomPayload(500, seed++), 2 + i});
            packets.push_back({K::Syn, a, {}, 2 + i});
        }
    }
    return packets;
}

/// A finished capture-replay run.
struct ReplayRun
{
    int exitCode = -1;
    bool crashed = false;
    QByteArray out;
    QByteArray err;
    qint64 ms = 0;

    /// Summary rows: stream index, source (or flow), port, packets, bytes, what reassembly
    /// repaired, digest (when the table has a digest column), result.
    struct Row
    {
        int index;
        QString source;
        QString port;
        qint64 packets;
        qint64 bytes;
        Repaired repaired;
        QByteArray digest;
        QString result;
    };
    /// The summary table's header, split: "stream source|flow port packets bytes retrans
    /// reordered gaps missing [ALGO] result".
    QStringList header() const
    {
        for (const QByteArray &line : out.split('\n')) {
            const QString text = QString::fromUtf8(line).simplified();
            if (text.startsWith(u"stream source "_s) || text.startsWith(u"stream flow "_s))
                return text.split(u' ');
        }
        return {};
    }
    /// The digest column's name ("xxh128", "sha256"); empty when the table has none.
    QString digestColumn() const
    {
        const QStringList h = header();
        return h.size() == 11 ? h[9] : QString();
    }
    /// The rows of the summary table (it ends at the first empty line).
    QList<Row> rows() const
    {
        QList<Row> result;
        const int fields = int(header().size());
        if (fields == 0)
            return result;
        bool inTable = false;
        for (const QByteArray &line : out.split('\n')) {
            const QString text = QString::fromUtf8(line).simplified();
            if (!inTable) {
                inTable =
                    text.startsWith(u"stream source "_s) || text.startsWith(u"stream flow "_s);
                continue;
            }
            if (text.isEmpty())
                break;
            const QStringList f = text.split(u' ');
            if (f.size() < fields)
                continue;
            result.append({f[0].toInt(), f[1], f[2], f[3].toLongLong(), f[4].toLongLong(),
                           Repaired{f[5].toLongLong(), f[6].toLongLong(), f[7].toLongLong(),
                                    f[8].toLongLong()},
                           fields == 11 ? f[9].toLatin1() : QByteArray(),
                           f.mid(fields - 1).join(u' ')});
        }
        return result;
    }
    /// The lines of a dry run's "flows behind each stream" table: stream index and flow.
    QList<QPair<int, QString>> flowLines() const
    {
        QList<QPair<int, QString>> result;
        bool inTable = false;
        for (const QByteArray &line : out.split('\n')) {
            const QString text = QString::fromUtf8(line).simplified();
            if (text == u"flows behind each stream:"_s) {
                inTable = true;
                continue;
            }
            if (!inTable || text.isEmpty() || text.startsWith(u"stream "_s))
                continue;
            const QStringList f = text.split(u' ');
            result.append({f[0].toInt(), f.value(1)});
        }
        return result;
    }
    QByteArray describe() const
    {
        return "\n--- capture-replay exit " + QByteArray::number(exitCode) +
               (crashed ? " (crashed)" : "") + "\nstdout:\n" + out + "stderr:\n" + err;
    }
};

ReplayRun runReplay(const QStringList &args, int timeoutMs = replayTimeoutMs,
                    const std::function<void(QProcess &)> &during = {})
{
    QProcess p;
    p.setProcessEnvironment(headlessEnvironment());
    QElapsedTimer timer;
    timer.start();
    p.start(replayBinary(), args);
    ReplayRun run;
    if (!p.waitForStarted(10000)) {
        run.err = "could not start capture-replay";
        return run;
    }
    if (during)
        during(p);
    const bool ended = finishOrKill(p, timeoutMs);
    run.ms = timer.elapsed();
    run.out = p.readAllStandardOutput();
    run.err = p.readAllStandardError();
    run.crashed = !ended || p.exitStatus() != QProcess::NormalExit;
    run.exitCode = run.crashed ? -1 : p.exitCode();
    return run;
}

/// capture-receiver, headless, on `count` ports from `base`, writing into `outDir`.
QStringList receiverArgs(const QString &outDir, quint16 base, int count = 1,
                         const QString &bind = u"127.0.0.1"_s)
{
    return {u"--nogui"_s, u"-b"_s, bind, u"-p"_s, u"%1-%2"_s.arg(base).arg(base + count - 1),
            u"-o"_s,      outDir};
}

/// The manifest's file records of `outDir`, by port.
std::map<int, QJsonObject> manifestByPort(const QString &outDir)
{
    std::map<int, QJsonObject> byPort;
    const QByteArray text = readFile(outDir + u"/manifest.jsonl"_s);
    for (const QByteArray &line : text.split('\n')) {
        if (line.isEmpty())
            continue;
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        if (o.value(u"type"_s).toString() == u"file")
            byPort[o.value(u"port"_s).toInt()] = o;
    }
    return byPort;
}

/// `data`'s digest as `algorithm` ("xxh128", "sha256") prints it, computed by the test.
QByteArray digestOf(const QString &algorithm, const QByteArray &data)
{
    if (algorithm == u"sha256")
        return sha256(data);
    if (algorithm == u"xxh128")
        return xxh128(data);
    qFatal("no digest %s", qPrintable(algorithm));
}

/// What the standard tool for `algorithm` (`xxhsum -H2`, `sha256sum`) prints for `file`: its
/// first word. Empty when the tool failed.
QByteArray digestByTool(const QString &algorithm, const QString &file)
{
    QProcess p;
    if (algorithm == u"xxh128")
        p.start(u"xxhsum"_s, {u"-H2"_s, file});
    else
        p.start(u"sha256sum"_s, {file});
    if (!finishOrKill(p, 60000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        qWarning("%s on %s failed: %s", qPrintable(algorithm), qPrintable(file),
                 p.readAllStandardError().constData());
        return {};
    }
    return p.readAllStandardOutput().simplified().split(' ').value(0);
}

/// One TCP flow direction of a reassembly test capture, and the bytes its sender meant.
struct TestFlow
{
    std::string source = "10.0.0.1";
    std::string destination = "10.9.9.9";
    std::uint16_t sourcePort = 40000;
    std::uint16_t destinationPort = 80;
    std::uint32_t isn = 1000;
    bool syn = true;  ///< the capture has its SYN (just before its first segment)
    bool fin = true;  ///< and its FIN (just after its last)
    bool rst = false; ///< a RST just after its last segment (its gaps are given up there)
    QByteArray truth;

    /// The flow as capture-replay names it with --streams flow.
    std::string text() const
    {
        auto end = [](const std::string &address, std::uint16_t port) {
            return (isV6(address) ? "[" + address + "]" : address) + ":" + std::to_string(port);
        };
        return end(source, sourcePort) + "->" + end(destination, destinationPort);
    }
};

/// One captured segment: the bytes [begin, end) of flows[flow].truth.
struct TestSegment
{
    int flow = 0;
    int begin = 0;
    int end = 0;
};

/// Writes `segments` as an Ethernet capture (with each flow's SYN before its first segment
/// and its FIN after its last, as the flow asks), and computes what the replay must deliver,
/// per stream (`byFlow`: --streams flow), with what the reassembly must report. The model: a
/// byte is delivered once all bytes before it in its flow are; at the end of the capture the
/// gaps are given up flow by flow, in order of first appearance. A segment whose first new
/// byte arrives ahead of a gap counts as reordered if the gap then fills.
Expected writeFlows(const QString &path, const std::vector<TestFlow> &flows,
                    const std::vector<TestSegment> &segments, bool byFlow,
                    pcapgen::PcapWriter::Format format = pcapgen::PcapWriter::Format::Pcap)
{
    using namespace pcapgen;
    PcapWriter writer(path.toStdString(), 1, format, true);
    if (!writer.isOpen())
        qFatal("cannot write %s: %s", qPrintable(path), writer.errorString().c_str());
    std::vector<int> last(flows.size(), -1);
    for (std::size_t i = 0; i < segments.size(); ++i)
        last[std::size_t(segments[i].flow)] = int(i);
    std::int64_t ms = 0;
    auto frame = [&](const TestFlow &f, std::uint32_t sequence, std::uint8_t flags,
                     const Bytes &payload) {
        const Bytes segment = tcp({.sourcePort = f.sourcePort,
                                   .destinationPort = f.destinationPort,
                                   .sequence = sequence,
                                   .flags = flags},
                                  payload);
        const Bytes packet =
            isV6(f.source) ? ipv6({.source = f.source, .destination = f.destination}, segment)
                           : ipv4({.source = f.source, .destination = f.destination}, segment);
        writer.add(std::chrono::nanoseconds(1700000000000000000LL) +
                       std::chrono::milliseconds(ms++),
                   ethernet(packet));
    };

    struct Model
    {
        std::vector<bool> got;
        int next = 0;
        std::vector<int> pendingFirst; ///< first new bytes of segments held ahead of a gap
        bool seen = false;
    };
    std::vector<Model> model(flows.size());
    std::vector<int> appearance; // flow indexes in order of first appearance
    Expected expected;
    auto key = [&](int f) {
        return byFlow ? flows[std::size_t(f)].text() : flows[std::size_t(f)].source;
    };
    auto deliver = [&](int f, int begin, int end) {
        expected.data[key(f)] += flows[std::size_t(f)].truth.mid(begin, end - begin);
    };
    auto giveUp = [&](int f) {
        Model &m = model[std::size_t(f)];
        Repaired &r = expected.repaired[key(f)];
        for (int b = m.next; b < int(m.got.size()); ++b) {
            if (!m.got[std::size_t(b)])
                continue;
            if (b > m.next) {
                ++r.gaps;
                r.missing += b - m.next;
            }
            int end = b;
            while (end < int(m.got.size()) && m.got[std::size_t(end)])
                ++end;
            deliver(f, b, end);
            m.next = end;
            b = end - 1;
        }
        m.pendingFirst.clear();
    };
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const TestSegment &s = segments[i];
        const TestFlow &f = flows[std::size_t(s.flow)];
        Model &m = model[std::size_t(s.flow)];
        const std::uint32_t base = f.isn + 1;
        if (!m.seen) {
            m.seen = true;
            m.got.assign(std::size_t(f.truth.size()), false);
            appearance.push_back(s.flow);
            if (f.syn)
                frame(f, f.isn, tcpflag::Syn, {});
            else
                m.next = s.begin; // captured mid-way: the flow starts here
        }
        const QByteArray bytes = f.truth.mid(s.begin, s.end - s.begin);
        frame(f, base + std::uint32_t(s.begin), tcpflag::Ack | tcpflag::Psh,
              Bytes(bytes.begin(), bytes.end()));
        const std::string k = key(s.flow);
        if (!expected.data.count(k)) {
            expected.sources.push_back(k);
            expected.data[k];
        }
        ++expected.packets[k];
        Repaired &r = expected.repaired[k];
        int firstNew = -1;
        for (int b = s.begin; b < s.end; ++b) {
            if (b < m.next || m.got[std::size_t(b)]) {
                ++r.retransmitted;
                continue;
            }
            m.got[std::size_t(b)] = true;
            if (firstNew < 0)
                firstNew = b;
        }
        if (firstNew > m.next)
            m.pendingFirst.push_back(firstNew);
        const int from = m.next;
        while (m.next < int(m.got.size()) && m.got[std::size_t(m.next)])
            ++m.next;
        deliver(s.flow, from, m.next);
        std::erase_if(m.pendingFirst, [&](int first) {
            if (first >= m.next)
                return false;
            ++r.reordered;
            return true;
        });
        if (int(i) == last[std::size_t(s.flow)] && f.fin)
            frame(f, base + std::uint32_t(f.truth.size()), tcpflag::Fin | tcpflag::Ack, {});
        if (int(i) == last[std::size_t(s.flow)] && f.rst) {
            frame(f, base + std::uint32_t(s.end), tcpflag::Rst, {});
            giveUp(s.flow);
        }
    }
    for (const int f : appearance) // the end of the capture: gaps given up
        giveUp(f);
    if (!writer.close())
        qFatal("cannot write %s: %s", qPrintable(path), writer.errorString().c_str());
    return expected;
}

/// `size` bytes cut into segments of `mss` (the last one shorter): [begin, end) pairs.
std::vector<TestSegment> inOrder(int flow, int size, int mss, int from = 0)
{
    std::vector<TestSegment> segments;
    for (int at = from; at < size; at += mss)
        segments.push_back({flow, at, std::min(size, at + mss)});
    return segments;
}

/// Interleaves the segment lists round robin: the first of each, then the second of each, …
std::vector<TestSegment> interleaved(const std::vector<std::vector<TestSegment>> &lists)
{
    std::vector<TestSegment> out;
    for (std::size_t i = 0;; ++i) {
        bool any = false;
        for (const auto &list : lists) {
            if (i < list.size()) {
                out.push_back(list[i]);
                any = true;
            }
        }
        if (!any)
            return out;
    }
}

} // namespace

class TestReplay : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_serial = 0;

    QString newDir()
    {
        const QString path = m_dir.filePath(u"run%1"_s.arg(++m_serial));
        QDir().mkpath(path);
        return path;
    }

    QString m_tlsDir;    ///< the certificates, made once: see tlsFiles()
    ReplayRun m_lastRun; ///< roundTrip()'s replay

    /// Certificates made with openssl, once: two CAs ("ca", "otherca"), the receiver's
    /// "server" (127.0.0.1, ::1, localhost) and the clients "replayer" (of ca) and "stranger"
    /// (of otherca), each NAME.pem with NAME.key. Empty when openssl failed.
    QString tlsFiles()
    {
        if (!m_tlsDir.isEmpty())
            return m_tlsDir;
        const QString dir = newDir();
        auto openssl = [&dir](const QStringList &args) {
            QProcess p;
            p.setWorkingDirectory(dir);
            p.setProcessChannelMode(QProcess::MergedChannels);
            p.start(u"openssl"_s, args);
            const bool ok = finishOrKill(p, 60000) && p.exitCode() == 0;
            if (!ok)
                qWarning("openssl %s: %s", qPrintable(args.join(u' ')), p.readAll().constData());
            return ok;
        };
        auto makeCa = [&](const QString &name) {
            return openssl({u"req"_s, u"-x509"_s, u"-newkey"_s, u"rsa:2048"_s, u"-nodes"_s,
                            u"-keyout"_s, name + u".key"_s, u"-out"_s, name + u".pem"_s, u"-days"_s,
                            u"2"_s, u"-subj"_s, u"/CN="_s + name});
        };
        auto makeSigned = [&](const QString &name, const QString &ca, const QString &ext) {
            QFile extFile(dir + u'/' + name + u".ext"_s);
            if (!extFile.open(QIODevice::WriteOnly) || extFile.write(ext.toUtf8()) < 0)
                return false;
            extFile.close();
            return openssl({u"req"_s, u"-newkey"_s, u"rsa:2048"_s, u"-nodes"_s, u"-keyout"_s,
                            name + u".key"_s, u"-out"_s, name + u".csr"_s, u"-subj"_s,
                            u"/CN="_s + name}) &&
                   openssl({u"x509"_s, u"-req"_s, u"-in"_s, name + u".csr"_s, u"-CA"_s,
                            ca + u".pem"_s, u"-CAkey"_s, ca + u".key"_s, u"-CAcreateserial"_s,
                            u"-out"_s, name + u".pem"_s, u"-days"_s, u"2"_s, u"-extfile"_s,
                            name + u".ext"_s});
        };
        const bool made =
            makeCa(u"ca"_s) && makeCa(u"otherca"_s) &&
            makeSigned(u"server"_s, u"ca"_s,
                       u"subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n"_s) &&
            makeSigned(u"replayer"_s, u"ca"_s, u"extendedKeyUsage=clientAuth\n"_s) &&
            makeSigned(u"stranger"_s, u"otherca"_s, u"extendedKeyUsage=clientAuth\n"_s);
        if (!made)
            return {};
        m_tlsDir = dir;
        return dir;
    }

    /// Replays `capture` into a receiver on `ports` free ports and checks every stream against
    /// `expected`: the summary's order, packets, bytes and digest, the files, the manifest. Both
    /// sides run on their default digest (xxh128) unless `extra` and `receiverExtra` say
    /// otherwise. `during`, when given, is called once the replay has started.
    void roundTrip(const QString &capture, const Expected &expected, const QStringList &extra = {},
                   const QStringList &receiverExtra = {}, const QString &host = u"127.0.0.1"_s,
                   const QString &bind = u"127.0.0.1"_s,
                   const std::function<void(QProcess &, Receiver &)> &during = {})
    {
        const int count = int(expected.sources.size());
        QVERIFY(count > 0);
        const quint16 base = freePortRange(count);
        const QString work = newDir();
        const QString out = work + u"/out"_s;
        Receiver receiver(work, receiverArgs(out, base, count, bind) + receiverExtra);
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe().constData());
        const ReplayRun run = runReplay(extra + QStringList{capture, host, QString::number(base)},
                                        replayTimeoutMs, [&](QProcess &p) {
                                            if (during)
                                                during(p, receiver);
                                        });
        m_lastRun = run;
        QVERIFY2(run.exitCode == 0, run.describe().constData());
        const QByteArray stop = receiver.stopProblem();
        QVERIFY2(stop.isEmpty(), stop.constData());

        const QList<ReplayRun::Row> rows = run.rows();
        QVERIFY2(rows.size() == count, run.describe().constData());
        const QString algorithm = run.digestColumn();
        QCOMPARE(algorithm, extra.contains(u"--hash"_s) ? extra.at(extra.indexOf(u"--hash"_s) + 1)
                                                        : u"xxh128"_s);
        const auto manifest = manifestByPort(out);
        for (int k = 0; k < count; ++k) {
            const std::string &source = expected.sources[size_t(k)];
            const QByteArray &data = expected.data.at(source);
            const ReplayRun::Row &row = rows[k];
            QCOMPARE(row.index, k);
            QCOMPARE(row.source, QString::fromStdString(source));
            QCOMPARE(row.port, QString::number(base + k));
            QCOMPARE(row.packets, qint64(expected.packets.at(source)));
            QCOMPARE(row.bytes, qint64(data.size()));
            QCOMPARE(row.digest, digestOf(algorithm, data));
            QCOMPARE(row.result, u"delivered"_s);
            if (expected.repaired.count(source)) {
                const Repaired &want = expected.repaired.at(source);
                QVERIFY2(row.repaired == want,
                         qPrintable(u"stream %1: retrans %2 reordered %3 gaps %4 missing %5, "
                                    "expected %6 %7 %8 %9"_s.arg(k)
                                        .arg(row.repaired.retransmitted)
                                        .arg(row.repaired.reordered)
                                        .arg(row.repaired.gaps)
                                        .arg(row.repaired.missing)
                                        .arg(want.retransmitted)
                                        .arg(want.reordered)
                                        .arg(want.gaps)
                                        .arg(want.missing)));
            }
            QVERIFY2(manifest.count(base + k),
                     qPrintable(u"no manifest line for port %1"_s.arg(base + k)));
            const QJsonObject file = manifest.at(base + k);
            QCOMPARE(file.value(algorithm).toString().toLatin1(), row.digest);
            QCOMPARE(readFile(out + u'/' + file.value(u"file"_s).toString()), data);
        }
    }

    /// Captures on lo with `capturer` (tcpdump or dumpcap) into `capture` while socat sends
    /// `file` to a Python listener that reads everything and answers nothing. `skip`: why the
    /// capturer cannot capture here.
    void captureLoopback(const QString &capturer, const QString &file, const QString &capture,
                         QString *skip)
    {
        QProcess sink;
        sink.start(u"python3"_s, {u"-c"_s, u"import socket\n"
                                           "ls = socket.socket()\n"
                                           "ls.bind(('127.0.0.1', 0))\n"
                                           "ls.listen(1)\n"
                                           "ls.settimeout(60)\n"
                                           "print(ls.getsockname()[1], flush=True)\n"
                                           "conn, _ = ls.accept()\n"
                                           "conn.settimeout(60)\n"
                                           "while conn.recv(1 << 20):\n"
                                           "    pass\n"
                                           "conn.close()\n"_s});
        QVERIFY2(sink.waitForReadyRead(30000), sink.readAllStandardError().constData());
        const QString port = QString::fromLatin1(sink.readLine().trimmed());
        const QString filter = u"tcp port "_s + port;
        QProcess dump;
        if (capturer == u"tcpdump"_s)
            // --immediate-mode: each packet is handed over as it comes, not in blocks that a
            // stop could leave unread (the tail of the stream went missing without it).
            dump.start(u"tcpdump"_s,
                       {u"-i"_s, u"lo"_s, u"-n"_s, u"--immediate-mode"_s, u"-U"_s, u"-s"_s, u"0"_s,
                        u"-B"_s, u"65536"_s, u"-w"_s, capture, filter});
        else
            dump.start(u"dumpcap"_s,
                       {u"-i"_s, u"lo"_s, u"-f"_s, filter, u"-B"_s, u"64"_s, u"-w"_s, capture});
        QVERIFY(dump.waitForStarted(10000));
        // Both say on stderr when they capture ("listening on lo", "Capturing on 'Loopback'").
        QByteArray said;
        QElapsedTimer waited;
        waited.start();
        while (!said.contains("istening on") && !said.contains("Capturing on") &&
               dump.state() == QProcess::Running && waited.elapsed() < 30000) {
            dump.waitForReadyRead(200);
            said += dump.readAllStandardError();
        }
        if (dump.state() != QProcess::Running) {
            said += dump.readAllStandardError();
            *skip = capturer + u" cannot capture on lo here: "_s +
                    QString::fromLocal8Bit(said).trimmed();
            sink.kill();
            sink.waitForFinished(5000);
            return;
        }
        QProcess client;
        client.start(u"socat"_s, {u"-u"_s, u"FILE:"_s + file, u"TCP:127.0.0.1:"_s + port});
        QVERIFY(finishOrKill(client, 60000) && client.exitCode() == 0);
        QVERIFY(finishOrKill(sink, 60000));
        QTest::qWait(500); // the last ACK and FIN into the capture
        ::kill(pid_t(dump.processId()), SIGINT);
        QVERIFY(finishOrKill(dump, 30000));
        said += dump.readAllStandardError();
        qInfo("%s: %s", qPrintable(capturer),
              QString::fromLocal8Bit(said).simplified().toUtf8().constData());
    }

    /// What tshark's own reassembly of the capture's first TCP stream holds from its first node
    /// (-z follow,tcp,raw: hex lines, the second node's indented).
    static QByteArray tsharkFollow(const QString &capture)
    {
        QProcess tshark;
        tshark.start(u"tshark"_s, {u"-r"_s, capture, u"-q"_s, u"-z"_s, u"follow,tcp,raw,0"_s});
        if (!finishOrKill(tshark, 120000))
            return {};
        QByteArray followed;
        bool inData = false;
        for (const QByteArray &line : tshark.readAllStandardOutput().split('\n')) {
            if (line.startsWith("Node 1:")) {
                inData = true;
                continue;
            }
            if (!inData || line.startsWith('\t') || line.isEmpty())
                continue;
            if (line.startsWith("====="))
                break;
            followed += QByteArray::fromHex(line.trimmed());
        }
        return followed;
    }

private Q_SLOTS:
    void roundTripEveryLinkType_data()
    {
        QTest::addColumn<int>("linkType");
        QTest::addColumn<bool>("pcapng");
        QTest::addColumn<bool>("ipv6");
        QTest::newRow("Ethernet, pcap") << 1 << false << true;
        QTest::newRow("Ethernet, pcapng") << 1 << true << true;
        QTest::newRow("Linux cooked SLL") << 113 << false << true;
        QTest::newRow("Linux cooked SLL2, pcapng") << 276 << true << true;
        QTest::newRow("raw IP") << 12 << false << true;
        QTest::newRow("raw IPv4 (228)") << 228 << false << false;
        QTest::newRow("BSD loopback (NULL)") << 0 << false << true;
        QTest::newRow("OpenBSD loopback (LOOP), pcapng") << 108 << true << true;
    }
    void roundTripEveryLinkType()
    {
        QFETCH(int, linkType);
        QFETCH(bool, pcapng);
        QFETCH(bool, ipv6);
        std::vector<TestPacket> packets = mixedPackets(ipv6);
        if (linkType != 1) // ARP exists only on Ethernet here
            std::erase_if(packets,
                          [](const TestPacket &p) { return p.kind == TestPacket::Kind::Arp; });
        const QString capture = m_dir.filePath(u"link%1%2.cap"_s.arg(linkType).arg(pcapng));
        const Expected expected = writeCapture(capture, linkType,
                                               pcapng ? pcapgen::PcapWriter::Format::PcapNg
                                                      : pcapgen::PcapWriter::Format::Pcap,
                                               packets);
        QCOMPARE(int(expected.sources.size()), 3);
        roundTrip(capture, expected);
    }

    // TCP reassembly, end to end: each capture holds one flow whose segments the capture got
    // wrong in some way; what the real capture-receiver records must be what the sender meant
    // (less what the capture never had), and the summary must say what was repaired.
    void reassemblyRepairsTheStream_data()
    {
        QTest::addColumn<QString>("scenario");
        for (const char *name : {"issue 16's capture: a retransmission and an out-of-order pair",
                                 "whole and partial retransmissions", "out-of-order segments",
                                 "a lost segment", "a lost segment and a RST", "sequence wrap",
                                 "captured without its SYN", "IPv6, out of order"})
            QTest::newRow(name) << QString::fromLatin1(name);
    }
    void reassemblyRepairsTheStream()
    {
        QFETCH(QString, scenario);
        const QByteArray truth = patternData(16, 30000);
        TestFlow flow{.truth = truth};
        std::vector<TestSegment> segments = inOrder(0, 30000, 1000);
        auto swap = [&segments](int a, int b) {
            std::swap(segments[std::size_t(a)], segments[std::size_t(b)]);
        };
        auto insert = [&segments](int at, TestSegment segment) {
            segments.insert(segments.begin() + at, segment);
        };
        qint64 missing = 0;
        if (scenario.startsWith(u"issue 16"_s)) {
            insert(13, {0, 12000, 13000}); // segment 12 twice more: 32,000 bytes in the capture
            insert(15, {0, 12000, 13000});
            swap(22, 23);
        } else if (scenario.startsWith(u"whole and partial"_s)) {
            insert(5, {0, 3000, 4000});    // whole
            insert(9, {0, 7500, 8500});    // partial: half sent, half not yet
            insert(20, {0, 15500, 15800}); // inside what was sent
        } else if (scenario.startsWith(u"out-of-order"_s)) {
            for (int i = 2; i + 1 < 30; i += 5)
                swap(i, i + 1);
            std::rotate(segments.begin() + 20, segments.begin() + 21, segments.begin() + 25);
        } else if (scenario == u"a lost segment"_s) {
            segments.erase(segments.begin() + 7);
            missing = 1000;
        } else if (scenario.startsWith(u"a lost segment and a RST"_s)) {
            flow.fin = false;
            flow.rst = true;
            segments.erase(segments.begin() + 7);
            missing = 1000;
        } else if (scenario.startsWith(u"sequence wrap"_s)) {
            flow.isn = std::uint32_t(4294967296ULL - 15500); // wraps inside segment 15
            swap(15, 16);
            insert(18, {0, 15000, 16000});
        } else if (scenario.startsWith(u"captured without"_s)) {
            flow.syn = false;
            flow.isn = 123456789;
            segments.erase(segments.begin(), segments.begin() + 3);
            insert(4, {0, 1000, 2000}); // from before the capture began: sent already
        } else if (scenario.startsWith(u"IPv6"_s)) {
            flow.source = "2001:db8::7";
            flow.destination = "2001:db8::1";
            swap(0, 1);
            swap(28, 29);
        }
        const QString capture = m_dir.filePath(u"reasm%1.pcap"_s.arg(++m_serial));
        const Expected expected = writeFlows(capture, {flow}, segments, false);
        const std::string source = expected.sources.at(0);
        const QByteArray &sent = expected.data.at(source);
        const Repaired &repaired = expected.repaired.at(source);
        qint64 inCapture = 0;
        for (const TestSegment &s : segments)
            inCapture += s.end - s.begin;
        QCOMPARE(repaired.missing, missing);
        QCOMPARE(qint64(sent.size()), qint64(truth.size()) - missing - (flow.syn ? 0 : 3000));
        roundTrip(capture, expected);
        qInfo(
            "%s: %lld bytes in the capture, %lld recorded (true stream %lld); retransmitted %lld, "
            "reordered %lld, gaps %lld, missing %lld",
            qPrintable(scenario), inCapture, qint64(sent.size()), qint64(truth.size()),
            repaired.retransmitted, repaired.reordered, repaired.gaps, repaired.missing);
    }

    // --no-reassembly: the segments as captured, in capture order (issue 16's 32,000 bytes).
    void withoutReassemblyTheCaptureOrderIsSent()
    {
        const QByteArray truth = patternData(16, 30000);
        std::vector<TestSegment> segments = inOrder(0, 30000, 1000);
        segments.insert(segments.begin() + 13, {0, 12000, 13000});
        segments.insert(segments.begin() + 15, {0, 12000, 13000});
        std::swap(segments[22], segments[23]);
        const QString capture = m_dir.filePath(u"noreasm.pcap"_s);
        writeFlows(capture, {TestFlow{.truth = truth}}, segments, false);
        Expected expected;
        expected.sources = {"10.0.0.1"};
        for (const TestSegment &s : segments)
            expected.data["10.0.0.1"] += truth.mid(s.begin, s.end - s.begin);
        expected.packets["10.0.0.1"] = int(segments.size());
        QCOMPARE(expected.data["10.0.0.1"].size(), 32000);
        roundTrip(capture, expected, {u"--no-reassembly"_s});
        QVERIFY2(m_lastRun.out.contains("TCP reassembly: off (--no-reassembly)"),
                 m_lastRun.describe().constData());
        QCOMPARE(m_lastRun.rows().value(0).source, u"10.0.0.1"_s);
    }

    // A request/response conversation: by default both directions go into the stream of their
    // source host (one stream when both ends are the same host, as on lo), with a warning;
    // --streams flow gives each direction its own stream.
    void twoWayTraffic_data()
    {
        QTest::addColumn<bool>("sameHost");
        QTest::addColumn<bool>("byFlow");
        QTest::newRow("127.0.0.1 <-> 127.0.0.1, streams per host") << true << false;
        QTest::newRow("127.0.0.1 <-> 127.0.0.1, --streams flow") << true << true;
        QTest::newRow("10.0.0.1 <-> 10.0.0.2, streams per host") << false << false;
        QTest::newRow("10.0.0.1 <-> 10.0.0.2, --streams flow") << false << true;
    }
    void twoWayTraffic()
    {
        QFETCH(bool, sameHost);
        QFETCH(bool, byFlow);
        const std::string client = sameHost ? "127.0.0.1" : "10.0.0.1";
        const std::string server = sameHost ? "127.0.0.1" : "10.0.0.2";
        constexpr int rounds = 8;
        TestFlow request{.source = client,
                         .destination = server,
                         .sourcePort = 40000,
                         .destinationPort = 80,
                         .isn = 5000,
                         .truth = patternData(21, rounds * 300)};
        TestFlow response{.source = server,
                          .destination = client,
                          .sourcePort = 80,
                          .destinationPort = 40000,
                          .isn = 4294960000u,
                          .truth = patternData(22, rounds * 5000)};
        std::vector<TestSegment> segments;
        for (int r = 0; r < rounds; ++r) {
            segments.push_back({0, r * 300, r * 300 + 300});
            std::vector<TestSegment> answer = inOrder(1, r * 5000 + 5000, 1448, r * 5000);
            if (r % 2 == 1)
                std::swap(answer[1], answer[2]); // out of order
            if (r == 3) {
                const TestSegment again = answer[0]; // retransmitted
                answer.push_back(again);
            }
            segments.insert(segments.end(), answer.begin(), answer.end());
        }
        const QString capture = m_dir.filePath(u"twoway%1%2.pcap"_s.arg(sameHost).arg(byFlow));
        const Expected expected = writeFlows(capture, {request, response}, segments, byFlow);
        QCOMPARE(int(expected.sources.size()), byFlow || !sameHost ? 2 : 1);
        if (byFlow) {
            QCOMPARE(expected.data.at(request.text()), request.truth);
            QCOMPARE(expected.data.at(response.text()), response.truth);
        }
        roundTrip(capture, expected,
                  byFlow ? QStringList{u"--streams"_s, u"flow"_s} : QStringList{});
        const bool warned = m_lastRun.err.contains("both directions of 1 conversation(s)") &&
                            m_lastRun.err.contains("--streams flow");
        QVERIFY2(warned == !byFlow, m_lastRun.describe().constData());
        if (byFlow)
            QCOMPARE(m_lastRun.rows().value(1).source, QString::fromStdString(response.text()));
    }

    // A host with several connections: one stream per host interleaves them in the order
    // their reassembled bytes come (with a warning); --streams flow gives one stream per
    // connection, numbered in order of first payload. A dry run lists the flows behind each.
    void manyFlowsPerHost_data()
    {
        QTest::addColumn<bool>("byFlow");
        QTest::newRow("streams per host") << false;
        QTest::newRow("--streams flow") << true;
    }
    void manyFlowsPerHost()
    {
        QFETCH(bool, byFlow);
        std::vector<TestFlow> flows;
        std::vector<std::vector<TestSegment>> lists;
        for (int i = 0; i < 8; ++i) {
            TestFlow flow{.source = i < 6 ? "10.0.0.1" : "10.0.0.2",
                          .sourcePort = std::uint16_t(40000 + i),
                          .isn = std::uint32_t(1000000u * std::uint32_t(i + 1)),
                          .syn = i != 5,
                          .truth = patternData(quint64(30 + i), 20000 + 1000 * i)};
            std::vector<TestSegment> list = inOrder(i, int(flow.truth.size()), 1200);
            std::swap(list[2 + std::size_t(i)], list[3 + std::size_t(i)]);
            const TestSegment again = list[4]; // retransmitted
            list.insert(list.begin() + 6, again);
            flows.push_back(flow);
            lists.push_back(list);
        }
        const QString capture = m_dir.filePath(u"manyflows%1.pcap"_s.arg(byFlow));
        const Expected expected = writeFlows(capture, flows, interleaved(lists), byFlow);
        QCOMPARE(int(expected.sources.size()), byFlow ? 8 : 2);
        const QStringList mode = byFlow ? QStringList{u"--streams"_s, u"flow"_s} : QStringList{};
        roundTrip(capture, expected, mode);
        QVERIFY2(m_lastRun.err.contains("2 source host(s) send on several flows") == !byFlow,
                 m_lastRun.describe().constData());

        const ReplayRun dry =
            runReplay(mode + QStringList{u"--dry-run"_s, capture, u"127.0.0.1"_s, u"20000"_s});
        QVERIFY2(dry.exitCode == 0, dry.describe().constData());
        const auto lines = dry.flowLines();
        QCOMPARE(lines.size(), 8);
        for (int i = 0; i < 8; ++i) {
            const auto &[stream, text] = lines[i];
            QCOMPARE(text, QString::fromStdString(flows[std::size_t(i)].text()));
            QCOMPARE(stream, byFlow ? i : (i < 6 ? 0 : 1));
        }
    }

    // Real TCP traffic on loopback, captured by tcpdump (pcap) or dumpcap (pcapng) while a real
    // client (socat) sends a file: the stream capture-receiver records from the replay equals
    // the file, and equals what tshark's own reassembly (-z follow,tcp,raw) finds.
    void realTrafficAgreesWithTshark_data()
    {
        QTest::addColumn<QString>("capturer");
        QTest::newRow("tcpdump, pcap") << u"tcpdump"_s;
        QTest::newRow("dumpcap, pcapng") << u"dumpcap"_s;
    }
    void realTrafficAgreesWithTshark()
    {
        QFETCH(QString, capturer);
        for (const QString &tool : {capturer, u"tshark"_s, u"socat"_s})
            QVERIFY2(!QStandardPaths::findExecutable(tool).isEmpty(),
                     qPrintable(tool + u" is missing: bash installer/install-deps.sh --test"_s));
        const QString work = newDir();
        const QString file = work + u"/sent.bin"_s;
        const QByteArray data = patternData(77, 3 * 1024 * 1024 + 1234);
        {
            QFile f(file);
            QVERIFY(f.open(QIODevice::WriteOnly) && f.write(data) == data.size());
        }
        // On a busy machine lo's capture may hold retransmissions and segments out of order
        // (seen here: 65,483 bytes retransmitted, 5 segments reordered), which capture-replay
        // must repair. Should tshark disagree, the capture is kept for a look.
        {
            const QString capture =
                work + (capturer == u"tcpdump"_s ? u"/lo.pcap"_s : u"/lo.pcapng"_s);
            QString skip;
            captureLoopback(capturer, file, capture, &skip);
            if (QTest::currentTestFailed())
                return;
            if (!skip.isEmpty()) {
                qWarning("tcpdump said: %s", qPrintable(skip));
                QSKIP("no loopback capture here (it needs CAP_NET_RAW); tcpdump's words above");
            }
            for (const QStringList &mode :
                 {QStringList{}, QStringList{u"--streams"_s, u"flow"_s}}) {
                const ReplayRun dry = runReplay(
                    mode + QStringList{u"--dry-run"_s, capture, u"127.0.0.1"_s, u"20000"_s});
                QVERIFY2(dry.exitCode == 0 && dry.rows().size() == 1, dry.describe().constData());
                const ReplayRun::Row row = dry.rows().value(0);
                Expected expected;
                expected.sources = {row.source.toStdString()};
                expected.data[expected.sources[0]] = data;
                expected.packets[expected.sources[0]] = int(row.packets);
                roundTrip(capture, expected, mode);
                if (QTest::currentTestFailed())
                    return;
                qInfo("%s%s: %lld packets, %lld bytes recorded (file %lld), retransmitted %lld, "
                      "reordered %lld, gaps %lld",
                      qPrintable(capturer), mode.isEmpty() ? "" : " --streams flow", row.packets,
                      row.bytes, qint64(data.size()), row.repaired.retransmitted,
                      row.repaired.reordered, row.repaired.gaps);
            }
            const QByteArray followed = tsharkFollow(capture);
            if (followed != data) {
                const QString kept = QDir::temp().filePath(
                    u"tst_replay-tshark-%1-%2"_s.arg(QCoreApplication::applicationPid())
                        .arg(QFileInfo(capture).fileName()));
                QFile::copy(capture, kept);
                QFAIL(qPrintable(u"tshark follows %1 bytes of the %2 sent (capture kept as %3)"_s
                                     .arg(followed.size())
                                     .arg(data.size())
                                     .arg(kept)));
            }
        }
    }

    void vlanTagsAndPadding_data()
    {
        QTest::addColumn<int>("tags");
        QTest::newRow("802.1Q") << 1;
        QTest::newRow("QinQ (802.1ad + 802.1Q)") << 2;
    }
    void vlanTagsAndPadding()
    {
        QFETCH(int, tags);
        using namespace pcapgen;
        const QString capture = m_dir.filePath(u"vlan%1.pcap"_s.arg(tags));
        PcapWriter writer(capture.toStdString(), 1);
        std::vector<VlanTag> vlan{{VlanTag::Dot1ad, 100}, {VlanTag::Dot1Q, 7}};
        if (tags == 1)
            vlan.erase(vlan.begin());
        Expected expected;
        expected.sources = {"10.1.0.1"};
        std::uint32_t sequence = firstSequence;
        for (int i = 0; i < 50; ++i) {
            // 1-byte payloads: the frame is padded to 60 bytes, and the padding is no payload.
            const Bytes payload = i % 2 ? Bytes{std::uint8_t(i)} : randomPayload(700, quint64(i));
            writer.add(std::chrono::seconds(1'700'000'000 + i),
                       ethernet(ipv4({.source = "10.1.0.1"}, tcp({.sequence = sequence}, payload)),
                                {.vlanTags = vlan, .padToMinimum = true}));
            sequence += std::uint32_t(payload.size());
            expected.data["10.1.0.1"].append(reinterpret_cast<const char *>(payload.data()),
                                             qsizetype(payload.size()));
            ++expected.packets["10.1.0.1"];
        }
        QVERIFY(writer.close());
        roundTrip(capture, expected);
    }

    void dryRunPrintsTheMappingInOrderOfFirstPayload()
    {
        const QString capture = m_dir.filePath(u"dry.pcap"_s);
        const Expected expected =
            writeCapture(capture, 1, pcapgen::PcapWriter::Format::Pcap, mixedPackets(true));
        const quint16 port = freePort(); // nothing listens there: a dry run connects nowhere
        const ReplayRun run = runReplay(
            {u"--dry-run"_s, u"--quiet"_s, capture, u"127.0.0.1"_s, QString::number(port)});
        QVERIFY2(run.exitCode == 0, run.describe().constData());
        const QList<ReplayRun::Row> rows = run.rows();
        QCOMPARE(rows.size(), 3);
        // 2001:db8::3 sends the capture's first packet (a SYN) but its first payload last.
        QCOMPARE(rows[0].source, u"10.0.0.1"_s);
        QCOMPARE(rows[1].source, u"10.0.0.2"_s);
        QCOMPARE(rows[2].source, u"2001:db8::3"_s);
        for (int k = 0; k < 3; ++k) {
            const std::string source = expected.sources[size_t(k)];
            QCOMPARE(rows[k].port, QString::number(port + k));
            QCOMPARE(rows[k].bytes, qint64(expected.data.at(source).size()));
            QCOMPARE(rows[k].digest, xxh128(expected.data.at(source)));
        }
        QCOMPARE(run.digestColumn(), u"xxh128"_s);
        // The summary says what was skipped, and why.
        QVERIFY2(run.out.contains("6 IP fragments skipped (not reassembled)"),
                 run.describe().constData());
        QVERIFY2(run.out.contains("6 truncated skipped"), run.describe().constData());
        QVERIFY2(run.out.contains("6 UDP payload left out by --protocol"),
                 run.describe().constData());
        QVERIFY2(run.out.contains("1 not IP"), run.describe().constData());
        QVERIFY2(run.out.contains("7 without payload"), run.describe().constData());
    }

    void digestsOfManyInterleavedSources_data()
    {
        QTest::addColumn<QString>("algorithm");
        QTest::newRow("xxh128 (hashed as sent)") << u"xxh128"_s;
        QTest::newRow("sha256 (batches to the hash worker)") << u"sha256"_s;
    }
    void digestsOfManyInterleavedSources()
    {
        // 200 sources, packets interleaved round robin. With sha256 their hash batches (128 KiB
        // each) would hold more than the 16 MiB allowed together, so all are handed over and
        // freed again and again mid-stream. Every digest must still be that of its source's
        // bytes.
        QFETCH(QString, algorithm);
        const QString capture = m_dir.filePath(u"many.pcap"_s);
        std::vector<TestPacket> packets;
        constexpr int sources = 200;
        for (int round = 0; round < 40; ++round) {
            for (int k = 0; k < sources; ++k) {
                const std::string source =
                    "10.1." + std::to_string(k / 100) + "." + std::to_string(k % 100 + 1);
                packets.push_back(
                    {TestPacket::Kind::Tcp, source,
                     randomPayload(1000 + 37 * (k % 29), quint64(round * sources + k)),
                     round * sources + k});
            }
        }
        const Expected expected =
            writeCapture(capture, 1, pcapgen::PcapWriter::Format::Pcap, packets);
        const ReplayRun run = runReplay({u"--dry-run"_s, u"--hash"_s, algorithm, capture,
                                         u"127.0.0.1"_s, QString::number(20000)});
        QVERIFY2(run.exitCode == 0, run.describe().constData());
        QCOMPARE(run.digestColumn(), algorithm);
        const QList<ReplayRun::Row> rows = run.rows();
        QCOMPARE(rows.size(), sources);
        for (int k = 0; k < sources; ++k) {
            const std::string &source = expected.sources[size_t(k)];
            QCOMPARE(rows[k].source, QString::fromStdString(source));
            QCOMPARE(rows[k].packets, 40);
            QCOMPARE(rows[k].digest, digestOf(algorithm, expected.data.at(source)));
        }
    }

    void digestsEqualTheReceiversManifestAndTheStandardTools_data()
    {
        QTest::addColumn<QString>("algorithm");
        QTest::newRow("xxh128") << u"xxh128"_s;
        QTest::newRow("sha256") << u"sha256"_s;
        QTest::newRow("none") << u"none"_s;
    }
    void digestsEqualTheReceiversManifestAndTheStandardTools()
    {
        // The same --hash on both sides: the replay's summary digest of each stream is the
        // receiver's manifest digest of its file, and what xxhsum -H2 / sha256sum print for the
        // file received. With none, neither prints a digest.
        QFETCH(QString, algorithm);
        const QString capture = m_dir.filePath(u"hash-%1.pcapng"_s.arg(algorithm));
        const Expected expected =
            writeCapture(capture, 1, pcapgen::PcapWriter::Format::PcapNg, mixedPackets(true));
        const int count = int(expected.sources.size());
        const quint16 base = freePortRange(count);
        const QString work = newDir();
        const QString out = work + u"/out"_s;
        Receiver receiver(work,
                          receiverArgs(out, base, count) + QStringList{u"--hash"_s, algorithm});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe().constData());
        const ReplayRun run =
            runReplay({u"--hash"_s, algorithm, capture, u"127.0.0.1"_s, QString::number(base)});
        QVERIFY2(run.exitCode == 0, run.describe().constData());
        const QByteArray stop = receiver.stopProblem();
        QVERIFY2(stop.isEmpty(), stop.constData());

        const bool none = algorithm == u"none";
        QCOMPARE(run.digestColumn(), none ? QString() : algorithm);
        const QList<ReplayRun::Row> rows = run.rows();
        QCOMPARE(rows.size(), count);
        const auto manifest = manifestByPort(out);
        for (int k = 0; k < count; ++k) {
            const QByteArray &data = expected.data.at(expected.sources[size_t(k)]);
            const ReplayRun::Row &row = rows[k];
            QCOMPARE(row.bytes, qint64(data.size()));
            QCOMPARE(row.result, u"delivered"_s);
            QVERIFY2(manifest.count(base + k),
                     qPrintable(u"no manifest line for port %1"_s.arg(base + k)));
            const QJsonObject file = manifest.at(base + k);
            const QString path = out + u'/' + file.value(u"file"_s).toString();
            QCOMPARE(readFile(path), data);
            if (none) {
                QVERIFY(row.digest.isEmpty());
                QVERIFY2(!file.contains(u"xxh128"_s) && !file.contains(u"sha256"_s),
                         QJsonDocument(file).toJson().constData());
                // Not in another column either.
                QVERIFY2(!run.out.contains(xxh128(data)) && !run.out.contains(sha256(data)),
                         run.describe().constData());
                continue;
            }
            QCOMPARE(row.digest.size(), algorithm == u"xxh128" ? 32 : 64);
            QCOMPARE(row.digest, file.value(algorithm).toString().toLatin1());
            QCOMPARE(row.digest, digestByTool(algorithm, path));
            QCOMPARE(row.digest, digestOf(algorithm, data));
        }
    }

    void protocolUdpAndAll()
    {
        const QString capture = m_dir.filePath(u"udp.pcap"_s);
        const std::vector<TestPacket> packets = mixedPackets(false);
        const Expected udpOnly =
            writeCapture(capture, 1, pcapgen::PcapWriter::Format::Pcap, packets, true, false);
        QCOMPARE(int(udpOnly.sources.size()), 1); // only 10.0.0.2 sends UDP
        roundTrip(capture, udpOnly, {u"--protocol"_s, u"udp"_s});
        const Expected all =
            writeCapture(capture, 1, pcapgen::PcapWriter::Format::Pcap, packets, true, true);
        roundTrip(capture, all, {u"--protocol"_s, u"all"_s});
    }

    void toUdpIsRecordedExactly()
    {
        // --to udp: every UDP payload of the capture as one datagram to base_port + k; a
        // receiver with --udp-ports records each source's, in order, and drops none (a few
        // hundred datagrams into its 8 MiB buffer).
        using K = TestPacket::Kind;
        std::vector<TestPacket> packets;
        quint64 seed = 500;
        for (int i = 0; i < 150; ++i) {
            for (const char *source : {"10.0.0.1", "10.0.0.2", "10.0.0.3"})
                packets.push_back({K::Udp, source, randomPayload(1 + (i * 89) % 1400, seed++), i});
            packets.push_back({K::Tcp, "10.0.0.4", randomPayload(200, seed++), i}); // left out
        }
        const QString capture = m_dir.filePath(u"to-udp.pcap"_s);
        const Expected expected =
            writeCapture(capture, 1, pcapgen::PcapWriter::Format::Pcap, packets, true, false);
        const int count = int(expected.sources.size());
        QCOMPARE(count, 3);
        const quint16 base = freePortRange(count);
        const QString work = newDir();
        const QString out = work + u"/out"_s;
        Receiver receiver(work, {u"--nogui"_s, u"-b"_s, u"127.0.0.1"_s, u"--udp-ports"_s,
                                 u"%1-%2"_s.arg(base).arg(base + count - 1), u"--udp-format"_s,
                                 u"raw"_s, u"-o"_s, out});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe().constData());
        const ReplayRun run =
            runReplay({u"--to"_s, u"udp"_s, capture, u"127.0.0.1"_s, QString::number(base)});
        QVERIFY2(run.exitCode == 0, run.describe().constData());
        QVERIFY2(run.out.contains("datagrams: 450 sent; UDP may drop"), run.describe().constData());
        const QByteArray stop = receiver.stopProblem();
        QVERIFY2(stop.isEmpty(), stop.constData());
        const QList<ReplayRun::Row> rows = run.rows();
        QCOMPARE(rows.size(), count);
        const auto manifest = manifestByPort(out);
        for (int k = 0; k < count; ++k) {
            const std::string &source = expected.sources[size_t(k)];
            QCOMPARE(rows[k].result, u"sent 150 datagram(s)"_s);
            QVERIFY(manifest.count(base + k));
            const QJsonObject file = manifest.at(base + k);
            QCOMPARE(file.value(u"datagrams"_s).toInteger(), expected.packets.at(source));
            QCOMPARE(file.value(u"udp_dropped"_s).toInteger(), 0);
            QCOMPARE(readFile(out + u'/' + file.value(u"file"_s).toString()),
                     expected.data.at(source));
        }
    }

    void filterExpression()
    {
        const QString capture = m_dir.filePath(u"filter.pcap"_s);
        const Expected all =
            writeCapture(capture, 1, pcapgen::PcapWriter::Format::Pcap, mixedPackets(false));
        Expected onlyB;
        onlyB.sources = {"10.0.0.2"};
        onlyB.data["10.0.0.2"] = all.data.at("10.0.0.2");
        onlyB.packets["10.0.0.2"] = all.packets.at("10.0.0.2");
        roundTrip(capture, onlyB, {u"--filter"_s, u"src host 10.0.0.2"_s});

        const ReplayRun bad =
            runReplay({u"--filter"_s, u"src hots 10.0.0.2"_s, capture, u"127.0.0.1"_s, u"5000"_s});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY2(bad.err.contains("invalid --filter 'src hots 10.0.0.2'"),
                 bad.describe().constData());
        QCOMPARE(bad.err.count('\n'), 1);
    }

    void ipv6ServerAndHostNames()
    {
        const QString capture = m_dir.filePath(u"v6.pcap"_s);
        const Expected expected =
            writeCapture(capture, 1, pcapgen::PcapWriter::Format::Pcap, mixedPackets(true));
        roundTrip(capture, expected, {}, {}, u"::1"_s, u"::1"_s);
        roundTrip(capture, expected, {}, {}, u"[::1]"_s, u"::1"_s);
        // "localhost" may resolve to ::1 first: every address is tried in turn.
        roundTrip(capture, expected, {}, {}, u"localhost"_s, u"127.0.0.1"_s);
    }

    void speedReplaysTheCapturesTiming_data()
    {
        QTest::addColumn<bool>("nanoseconds");
        QTest::newRow("pcap, nanosecond timestamps") << true;
        QTest::newRow("pcap, microsecond timestamps") << false;
    }
    void speedReplaysTheCapturesTiming()
    {
        // Three payload packets at 0, 1 and 2 s: --speed 1 takes at least 2 s, --speed 2 at
        // least 1 s, --speed 0 does not wait. Upper bounds are generous: the machine is shared.
        QFETCH(bool, nanoseconds);
        const QString capture = m_dir.filePath(u"timed%1.pcap"_s.arg(nanoseconds));
        const Expected expected =
            writeCapture(capture, 1, pcapgen::PcapWriter::Format::Pcap,
                         oneSourcePackets(3, 1000, 1000), false, true, nanoseconds);
        const quint16 port = freePort();
        const QString work = newDir();
        Receiver receiver(work, receiverArgs(work + u"/out"_s, port));
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe().constData());
        for (const auto &[speed, minimumMs] :
             {std::pair{u"1"_s, 2000}, std::pair{u"2"_s, 1000}, std::pair{u"0"_s, 0}}) {
            const ReplayRun run =
                runReplay({u"--speed"_s, speed, capture, u"127.0.0.1"_s, QString::number(port)});
            QVERIFY2(run.exitCode == 0, run.describe().constData());
            qInfo("--speed %s: %lld ms", qPrintable(speed), run.ms);
            QVERIFY2(run.ms >= minimumMs,
                     qPrintable(u"--speed %1 took %2 ms"_s.arg(speed).arg(run.ms)));
            QVERIFY2(run.ms < minimumMs + 20000,
                     qPrintable(u"--speed %1 took %2 ms"_s.arg(speed).arg(run.ms)));
        }
        QVERIFY(receiver.stopProblem().isEmpty());
        // Three runs into one port (split by port): the file holds the stream three times.
        const auto manifest = manifestByPort(work + u"/out"_s);
        QCOMPARE(manifest.at(port).value(u"bytes"_s).toInteger(),
                 3 * qint64(expected.data.at("10.0.0.1").size()));
    }

    void badFiles()
    {
        const QString dir = newDir();
        const QString text = dir + u"/notes.txt"_s;
        QVERIFY(writeDataFile(text, "this is not a capture, just some text\n"));
        const QString good = dir + u"/good.pcap"_s;
        const Expected expected =
            writeCapture(good, 1, pcapgen::PcapWriter::Format::Pcap, mixedPackets(false));
        const QByteArray goodBytes = readFile(good);
        const QString headerOnly = dir + u"/header.pcap"_s;
        QVERIFY(writeDataFile(headerOnly, goodBytes.left(10)));
        const QString firstRecordCut = dir + u"/first.pcap"_s;
        QVERIFY(writeDataFile(firstRecordCut, goodBytes.left(24 + 16 + 20)));
        const QString ng = dir + u"/good.pcapng"_s;
        writeCapture(ng, 1, pcapgen::PcapWriter::Format::PcapNg, mixedPackets(false));
        const QString ngCut = dir + u"/cut.pcapng"_s;
        QVERIFY(writeDataFile(ngCut, readFile(ng).left(40)));
        const QString unsupported = dir + u"/wifi.pcap"_s;
        {
            pcapgen::PcapWriter writer(unsupported.toStdString(), 105 /* 802.11 */);
            writer.add(std::chrono::seconds(1), pcapgen::sequence(64));
            QVERIFY(writer.close());
        }
        const QString empty = dir + u"/empty.pcap"_s;
        QVERIFY(writeDataFile(empty, {}));
        const QString unreadable = dir + u"/secret.pcap"_s;
        QVERIFY(writeDataFile(unreadable, goodBytes));
        QFile::setPermissions(unreadable, QFileDevice::WriteOwner);
        const bool root = ::geteuid() == 0; // root reads it anyway

        struct Case
        {
            QString file;
            QByteArray message;
        };
        QList<Case> cases{
            {text, "is not a pcap or pcapng capture"},
            {dir + u"/missing.pcap"_s, "cannot read '" + (dir + u"/missing.pcap"_s).toUtf8() +
                                           "': No such file or directory"},
            {dir, "it is a directory"},
            {headerOnly, "truncated"},
            {empty, "truncated"},
            {firstRecordCut, "has no readable packet"},
            {ngCut, "truncated"},
            {unsupported, "is not supported"},
        };
        if (!root)
            cases.append({unreadable, "Permission denied"});
        for (const Case &c : cases) {
            const ReplayRun run = runReplay({c.file, u"127.0.0.1"_s, u"5000"_s});
            QVERIFY2(run.exitCode == 2, QByteArray(c.file.toUtf8() + run.describe()).constData());
            QVERIFY2(run.err.contains(c.message),
                     QByteArray(c.file.toUtf8() + run.describe()).constData());
            QVERIFY2(run.err.startsWith("capture-replay: ") && run.err.count('\n') == 1,
                     run.describe().constData());
            QVERIFY2(run.out.isEmpty(), run.describe().constData());
        }

        // A truncated tail after good records: what came before is sent, a warning, exit 1.
        const QString tailCut = dir + u"/tail.pcap"_s;
        QVERIFY(writeDataFile(tailCut, goodBytes.left(goodBytes.size() - 100)));
        const ReplayRun dry = runReplay({u"--dry-run"_s, tailCut, u"127.0.0.1"_s, u"5000"_s});
        QVERIFY2(dry.exitCode == 1, dry.describe().constData());
        QVERIFY2(dry.err.contains("ends in a bad record after") &&
                     dry.err.contains("what came before it was replayed"),
                 dry.describe().constData());
        const QList<ReplayRun::Row> rows = dry.rows();
        QCOMPARE(rows.size(), 3);
        qint64 sentBytes = 0;
        for (const auto &row : rows)
            sentBytes += row.bytes;
        qint64 allBytes = 0;
        for (const auto &[source, data] : expected.data)
            allBytes += data.size();
        QVERIFY(sentBytes > 0 && sentBytes < allBytes);
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("no arguments")
            << QStringList{} << u"expected <pcap_file> <server> <base_port>, got 0"_s;
        QTest::newRow("two arguments")
            << QStringList{u"a.pcap"_s, u"h"_s} << u"got 2 argument(s): a.pcap h"_s;
        QTest::newRow("port 0") << QStringList{u"a.pcap"_s, u"h"_s, u"0"_s}
                                << u"invalid base_port '0'"_s;
        QTest::newRow("port 65536")
            << QStringList{u"a.pcap"_s, u"h"_s, u"65536"_s} << u"invalid base_port '65536'"_s;
        QTest::newRow("port text")
            << QStringList{u"a.pcap"_s, u"h"_s, u"http"_s} << u"invalid base_port 'http'"_s;
        QTest::newRow("speed negative")
            << QStringList{u"--speed"_s, u"-1"_s, u"a"_s, u"h"_s, u"1"_s}
            << u"invalid --speed '-1'"_s;
        QTest::newRow("speed text") << QStringList{u"--speed"_s, u"fast"_s, u"a"_s, u"h"_s, u"1"_s}
                                    << u"invalid --speed 'fast'"_s;
        QTest::newRow("protocol") << QStringList{u"--protocol"_s, u"sctp"_s, u"a"_s, u"h"_s, u"1"_s}
                                  << u"invalid --protocol 'sctp'"_s;
        QTest::newRow("to") << QStringList{u"--to"_s, u"sctp"_s, u"a"_s, u"h"_s, u"1"_s}
                            << u"invalid --to 'sctp'"_s;
        QTest::newRow("to udp with tcp")
            << QStringList{u"--to"_s, u"udp"_s, u"--protocol"_s, u"tcp"_s, u"a"_s, u"h"_s, u"1"_s}
            << u"--to udp sends UDP payload only"_s;
        QTest::newRow("hash") << QStringList{u"--hash"_s, u"md5"_s, u"a"_s, u"h"_s, u"1"_s}
                              << u"invalid --hash 'md5': expected xxh128, sha256 or none"_s;
        QTest::newRow("hash empty")
            << QStringList{u"--hash"_s, u""_s, u"a"_s, u"h"_s, u"1"_s} << u"invalid --hash ''"_s;
        QTest::newRow("close timeout")
            << QStringList{u"--close-timeout"_s, u"0"_s, u"a"_s, u"h"_s, u"1"_s}
            << u"invalid --close-timeout '0'"_s;
        QTest::newRow("key without cert")
            << QStringList{u"--tls-key"_s, u"k.pem"_s, u"a"_s, u"h"_s, u"1"_s}
            << u"--tls-key needs --tls-cert"_s;
        QTest::newRow("unknown option") << QStringList{u"--sped"_s, u"1"_s, u"a"_s, u"h"_s, u"1"_s}
                                        << u"Unknown option 'sped'"_s;
        QTest::newRow("streams") << QStringList{u"--streams"_s, u"port"_s, u"a"_s, u"h"_s, u"1"_s}
                                 << u"invalid --streams 'port': expected host or flow"_s;
    }
    void usageErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const ReplayRun run = runReplay(args);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(message.toUtf8()), run.describe().constData());
        QCOMPARE(run.err.count('\n'), 1);
    }

    void unresolvableServer()
    {
        const QString capture = m_dir.filePath(u"unres.pcap"_s);
        writeCapture(capture, 1, pcapgen::PcapWriter::Format::Pcap, mixedPackets(false));
        // .invalid never resolves (RFC 6761), and the lookup stays on this machine.
        const ReplayRun run = runReplay({capture, u"receiver.invalid"_s, u"5000"_s});
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains("cannot resolve server 'receiver.invalid'"),
                 run.describe().constData());
    }

    void refusedConnectionsAreReportedOncePerStream()
    {
        const QString capture = m_dir.filePath(u"refused.pcap"_s);
        writeCapture(capture, 1, pcapgen::PcapWriter::Format::Pcap, mixedPackets(false));
        const quint16 base = freePortRange(3); // nothing listens there
        const ReplayRun run = runReplay({capture, u"127.0.0.1"_s, QString::number(base)});
        QCOMPARE(run.exitCode, 1);
        QCOMPARE(run.err.count("cannot connect"), 3); // once per stream, not per packet
        QVERIFY2(run.err.contains("Connection refused"), run.describe().constData());
        for (const auto &row : run.rows())
            QVERIFY2(row.result.startsWith(u"FAILED: cannot connect"_s),
                     run.describe().constData());
    }

    void portsPastTheLastAreReported()
    {
        const QString capture = m_dir.filePath(u"lastport.pcap"_s);
        writeCapture(capture, 1, pcapgen::PcapWriter::Format::Pcap, mixedPackets(false));
        const ReplayRun run = runReplay({u"--dry-run"_s, capture, u"127.0.0.1"_s, u"65534"_s});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains("no port left for it: base_port + 2 = 65536 is past 65535"),
                 run.describe().constData());
    }

    void tlsWithClientCertificates()
    {
        const QString dir = tlsFiles();
        QVERIFY(!dir.isEmpty());

        const QString capture = m_dir.filePath(u"tls.pcap"_s);
        const Expected expected =
            writeCapture(capture, 1, pcapgen::PcapWriter::Format::Pcap, mixedPackets(false));
        const QStringList receiverTls{u"--tls-cert"_s, dir + u"/server.pem"_s,
                                      u"--tls-key"_s,  dir + u"/server.key"_s,
                                      u"--tls-ca"_s,   dir + u"/ca.pem"_s};
        const QStringList clientTls{u"--tls-ca"_s,   dir + u"/ca.pem"_s,
                                    u"--tls-cert"_s, dir + u"/replayer.pem"_s,
                                    u"--tls-key"_s,  dir + u"/replayer.key"_s};
        roundTrip(capture, expected, clientTls, receiverTls);
        roundTrip(capture, expected, clientTls, receiverTls, u"localhost"_s);

        // Refusals: no client certificate, and a receiver certificate of another CA.
        const quint16 base = freePortRange(3);
        const QString work = newDir();
        Receiver receiver(work, receiverArgs(work + u"/out"_s, base, 3) + receiverTls);
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe().constData());
        // TLS 1.3: the receiver checks the client's certificate after the client's side of
        // the handshake is done, and closes; the replay must see that as a refusal (no session
        // ticket came), not as the close after a complete stream.
        const QStringList refusedClients[] = {{u"--tls-ca"_s, dir + u"/ca.pem"_s},
                                              {u"--tls-ca"_s, dir + u"/ca.pem"_s, u"--tls-cert"_s,
                                               dir + u"/stranger.pem"_s, u"--tls-key"_s,
                                               dir + u"/stranger.key"_s}};
        for (const QStringList &client : refusedClients) {
            for (int attempt = 0; attempt < 3; ++attempt) {
                const ReplayRun refused =
                    runReplay(client + QStringList{capture, u"127.0.0.1"_s, QString::number(base)});
                QVERIFY2(refused.exitCode == 1, refused.describe().constData());
                QCOMPARE(refused.rows().size(), 3);
                for (const auto &row : refused.rows())
                    QVERIFY2(row.result.startsWith(u"FAILED: "_s) &&
                                 row.result.contains(u"refused this client"_s),
                             refused.describe().constData());
            }
        }
        const ReplayRun wrongCa = runReplay({u"--tls-ca"_s, dir + u"/otherca.pem"_s, capture,
                                             u"127.0.0.1"_s, QString::number(base)});
        QVERIFY2(wrongCa.exitCode == 1, wrongCa.describe().constData());
        QVERIFY2(wrongCa.err.contains("TLS handshake failed: the receiver's certificate"),
                 wrongCa.describe().constData());
        QVERIFY(receiver.stopProblem().isEmpty());
        // The refused replays made no file at all.
        QCOMPARE(QDir(work + u"/out"_s).entryList({u"*.bin"_s}, QDir::Files), QStringList());

        const ReplayRun badCa = runReplay({u"--tls-ca"_s, dir + u"/missing.pem"_s, capture,
                                           u"127.0.0.1"_s, QString::number(base)});
        QCOMPARE(badCa.exitCode, 2);
        QVERIFY2(badCa.err.contains("cannot read --tls-ca"), badCa.describe().constData());
    }

    void ticketlessTlsReceiver_data()
    {
        QTest::addColumn<bool>("closeNotify");
        QTest::newRow("ends with close_notify") << true;
        QTest::newRow("just closes") << false;
    }
    void ticketlessTlsReceiver()
    {
        // A TLS 1.3 receiver that asks for a client certificate but sends no session ticket
        // (Python's ssl, num_tickets = 0): nothing shows that it accepted the client, so only
        // its close_notify may count as a complete delivery; a bare close is reported.
        QFETCH(bool, closeNotify);
        const QString dir = tlsFiles();
        QVERIFY(!dir.isEmpty());
        const QString received = newDir() + u"/received.bin"_s;
        const QString script = u"import socket, ssl, sys\n"
                               "d, mode, out = sys.argv[1:4]\n"
                               "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
                               "ctx.minimum_version = ssl.TLSVersion.TLSv1_3\n"
                               "ctx.load_cert_chain(d + '/server.pem', d + '/server.key')\n"
                               "ctx.load_verify_locations(d + '/ca.pem')\n"
                               "ctx.verify_mode = ssl.CERT_REQUIRED\n"
                               "ctx.num_tickets = 0\n"
                               "ls = socket.socket()\n"
                               "ls.bind(('127.0.0.1', 0))\n"
                               "ls.listen(1)\n"
                               "ls.settimeout(60)\n"
                               "print(ls.getsockname()[1], flush=True)\n"
                               "conn, _ = ls.accept()\n"
                               "conn.settimeout(60)\n"
                               "tls = ctx.wrap_socket(conn, server_side=True)\n"
                               "data = bytearray()\n"
                               "while True:\n"
                               "    chunk = tls.recv(65536)\n"
                               "    if not chunk: break\n"
                               "    data += chunk\n"
                               "open(out, 'wb').write(data)\n"
                               "(tls.unwrap() if mode == 'notify' else tls).close()\n"_s;
        QProcess server;
        server.setProcessEnvironment(headlessEnvironment());
        server.start(u"python3"_s,
                     {u"-c"_s, script, dir, closeNotify ? u"notify"_s : u"close"_s, received});
        QVERIFY2(server.waitForReadyRead(30000), server.readAllStandardError().constData());
        const QString port = QString::fromLatin1(server.readLine().trimmed());

        const QString capture = m_dir.filePath(u"ticketless.pcap"_s);
        const Expected expected = writeCapture(capture, 1, pcapgen::PcapWriter::Format::Pcap,
                                               oneSourcePackets(20, 3000, 1));
        const ReplayRun run =
            runReplay({u"--tls-ca"_s, dir + u"/ca.pem"_s, u"--tls-cert"_s, dir + u"/replayer.pem"_s,
                       u"--tls-key"_s, dir + u"/replayer.key"_s, capture, u"127.0.0.1"_s, port});
        QVERIFY(finishOrKill(server, 30000));
        QCOMPARE(server.exitCode(), 0);
        // The receiver had every byte either way; only the close differs.
        QCOMPARE(readFile(received), expected.data.at("10.0.0.1"));
        const QList<ReplayRun::Row> rows = run.rows();
        QCOMPARE(rows.size(), 1);
        if (closeNotify) {
            QVERIFY2(run.exitCode == 0, run.describe().constData());
            QCOMPARE(rows[0].result, u"delivered"_s);
        } else {
            QVERIFY2(run.exitCode == 1, run.describe().constData());
            QVERIFY2(rows[0].result.contains(u"without confirming the TLS handshake"_s),
                     run.describe().constData());
        }
    }

    void interruptSendsWhatWasReadAndReports()
    {
        // Ten payload packets, one a second: Ctrl+C after about 2 s.
        const QString capture = m_dir.filePath(u"slow.pcap"_s);
        writeCapture(capture, 1, pcapgen::PcapWriter::Format::Pcap,
                     oneSourcePackets(10, 5000, 1000));
        const quint16 port = freePort();
        const QString work = newDir();
        Receiver receiver(work, receiverArgs(work + u"/out"_s, port));
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe().constData());
        const ReplayRun run =
            runReplay({u"--speed"_s, u"1"_s, capture, u"127.0.0.1"_s, QString::number(port)}, 30000,
                      [](QProcess &p) {
                          QTest::qWait(2000);
                          ::kill(pid_t(p.processId()), SIGINT);
                      });
        QVERIFY2(run.exitCode == 130, run.describe().constData());
        QVERIFY2(run.ms < 9000, run.describe().constData()); // it did not replay all ten seconds
        QVERIFY2(run.err.contains("interrupted"), run.describe().constData());
        const QList<ReplayRun::Row> rows = run.rows();
        QCOMPARE(rows.size(), 1);
        QVERIFY(rows[0].packets >= 1 && rows[0].packets < 10);
        QVERIFY(receiver.stopProblem().isEmpty());
        // What the summary says was sent is exactly what the receiver recorded.
        const QJsonObject file = manifestByPort(work + u"/out"_s).at(port);
        QCOMPARE(file.value(u"bytes"_s).toInteger(), rows[0].bytes);
        QCOMPARE(run.digestColumn(), u"xxh128"_s);
        QCOMPARE(file.value(u"xxh128"_s).toString().toLatin1(), rows[0].digest);
    }

    void secondInterruptEndsAConnectThatHangs()
    {
        // A listener whose accept queue is full drops SYNs: a connect to it waits for its
        // timeout (60 s here). The first Ctrl+C lets it go on (what was read is still sent);
        // the second must end the wait at once.
        const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        std::vector<int> fillers;
        const auto closeAll = qScopeGuard([&] {
            for (const int fd : fillers)
                ::close(fd);
            ::close(listener);
        });
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        QVERIFY(listener >= 0);
        QVERIFY(::bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0);
        QVERIFY(::listen(listener, 0) == 0);
        QVERIFY(::getsockname(listener, reinterpret_cast<sockaddr *>(&address), &length) == 0);
        for (int i = 0; i < 3; ++i) {
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            QVERIFY(fd >= 0);
            fillers.push_back(fd);
            ::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address);
        }
        QTest::qWait(300);
        pollfd last{fillers.back(), POLLOUT, 0};
        if (::poll(&last, 1, 0) != 0)
            QSKIP("this kernel completes connections to a full accept queue: no hanging connect");

        const QString capture = m_dir.filePath(u"hang.pcap"_s);
        writeCapture(capture, 1, pcapgen::PcapWriter::Format::Pcap, mixedPackets(false));
        const ReplayRun run = runReplay({u"--connect-timeout"_s, u"60"_s, capture, u"127.0.0.1"_s,
                                         QString::number(ntohs(address.sin_port))},
                                        replayTimeoutMs, [](QProcess &p) {
                                            QTest::qWait(1500);
                                            ::kill(pid_t(p.processId()), SIGINT);
                                            QTest::qWait(500);
                                            ::kill(pid_t(p.processId()), SIGINT);
                                        });
        QVERIFY2(run.exitCode == 130, run.describe().constData());
        QVERIFY2(run.ms < 30000, run.describe().constData()); // not after the connect timeout
        QVERIFY2(run.err.contains("stopped (interrupted) before the connection was made"),
                 run.describe().constData());
        QCOMPARE(run.err.count("cannot connect"), 1);
    }

    void aStreamGivenUpIsReset()
    {
        // A listener that accepts and reads nothing (a 4 KiB receive buffer) until the replay
        // has ended: the stream is given up after --close-timeout, with a TCP reset, so what the
        // listener then reads ends in ECONNRESET, not in an orderly end of stream.
        const QString script = u"import socket, sys\n"
                               "ls = socket.socket()\n"
                               "ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)\n"
                               "ls.bind(('127.0.0.1', 0))\n"
                               "ls.listen(1)\n"
                               "ls.settimeout(60)\n"
                               "print(ls.getsockname()[1], flush=True)\n"
                               "conn, _ = ls.accept()\n"
                               "conn.settimeout(60)\n"
                               "sys.stdin.readline()\n"
                               "total = 0\n"
                               "try:\n"
                               "    while True:\n"
                               "        chunk = conn.recv(65536)\n"
                               "        if not chunk:\n"
                               "            print('closed', total, flush=True)\n"
                               "            break\n"
                               "        total += len(chunk)\n"
                               "except ConnectionResetError:\n"
                               "    print('reset', total, flush=True)\n"_s;
        QProcess listener;
        listener.setProcessEnvironment(headlessEnvironment());
        listener.start(u"python3"_s, {u"-c"_s, script});
        QVERIFY2(listener.waitForReadyRead(30000), listener.readAllStandardError().constData());
        const QString port = QString::fromLatin1(listener.readLine().trimmed());

        // 10 MB: far more than the socket buffers and the replay's 4 MiB queue hold.
        const QString capture = m_dir.filePath(u"unread.pcap"_s);
        writeCapture(capture, 1, pcapgen::PcapWriter::Format::Pcap,
                     oneSourcePackets(200, 50000, 0));
        const ReplayRun run =
            runReplay({u"--close-timeout"_s, u"1"_s, capture, u"127.0.0.1"_s, port}, 60000);
        listener.write("go\n");
        QVERIFY(finishOrKill(listener, 30000));
        const QByteArray outcome = listener.readAllStandardOutput().trimmed();
        QVERIFY2(outcome.startsWith("reset "),
                 QByteArray(outcome + "\n" + listener.readAllStandardError()).constData());
        qInfo("the listener read %s bytes, then ECONNRESET", outcome.mid(6).constData());

        QVERIFY2(run.exitCode == 1, run.describe().constData());
        QVERIFY2(run.err.contains("the receiver took nothing for 1 s (--close-timeout)") &&
                     run.err.contains("the connection was aborted with a reset (TCP RST)"),
                 run.describe().constData());
        const QList<ReplayRun::Row> rows = run.rows();
        QCOMPARE(rows.size(), 1);
        QVERIFY2(rows[0].result.startsWith(u"FAILED: the receiver took nothing"_s) &&
                     rows[0].result.endsWith(u"(aborted with a reset)"_s),
                 run.describe().constData());
    }

    void aStreamGivenUpIsRecordedAsCutByTheReceiver()
    {
        // The real receiver, stopped (SIGSTOP) while the replay sends 24 MB: the replay gives
        // the stream up after --close-timeout; once the receiver runs again it reads what its
        // kernel holds and then the reset, and records the connection as reset, not as ended
        // by its peer, in its log and its manifest.
        const QString capture = m_dir.filePath(u"stalled.pcap"_s);
        writeCapture(capture, 1, pcapgen::PcapWriter::Format::Pcap,
                     oneSourcePackets(400, 60000, 0));
        const quint16 port = freePort();
        const QString work = newDir();
        const QString out = work + u"/out"_s;
        Receiver receiver(work,
                          receiverArgs(out, port) + QStringList{u"--split"_s, u"connection"_s});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe().constData());
        QVERIFY(receiver.sendSignal(SIGSTOP));
        const ReplayRun run = runReplay(
            {u"--close-timeout"_s, u"1"_s, capture, u"127.0.0.1"_s, QString::number(port)}, 60000);
        QVERIFY(receiver.sendSignal(SIGCONT));
        QVERIFY2(run.exitCode == 1, run.describe().constData());
        QVERIFY2(run.err.contains("the connection was aborted with a reset (TCP RST)"),
                 run.describe().constData());

        // --split connection: the file, and its manifest line, close with the connection.
        QTRY_VERIFY_WITH_TIMEOUT(manifestByPort(out).count(port) == 1, 30000);
        const QJsonObject file = manifestByPort(out).at(port);
        const QJsonArray connections = file.value(u"connections"_s).toArray();
        QCOMPARE(connections.size(), 1);
        const QString reason = connections.at(0).toObject().value(u"close_reason"_s).toString();
        QCOMPARE(reason, u"Connection reset by peer"_s);
        QCOMPARE(file.value(u"close_reason"_s).toString(), reason);
        const qint64 recorded = file.value(u"bytes"_s).toInteger();
        QVERIFY2(recorded > 0 && recorded < run.rows().value(0).bytes,
                 QByteArray::number(recorded));
        qInfo("the receiver recorded %lld of %lld bytes, closed as \"%s\"", recorded,
              run.rows().value(0).bytes, qPrintable(reason));
        // Its log line comes through the main thread, maybe after the manifest's.
        QVERIFY2(receiver.waitForLine(u"closed (Connection reset by peer)"_s),
                 receiver.describe().constData());
        const QByteArray stop = receiver.stopProblem();
        QVERIFY2(stop.isEmpty(), stop.constData());
    }

    void aReceiverThatFallsBehindStillGetsEveryByte()
    {
        // A classic pcap file's payloads are sent straight from the replay's read buffer; what
        // a full socket has not taken when that buffer is reused is copied first. Six sources
        // of 4 MiB each, interleaved packet by packet, into a receiver that is stopped
        // (SIGSTOP) for the first second: every socket fills, every stream waits with bytes
        // queued across many buffer reuses. Each file must still be its source's bytes exactly.
        const QString capture = m_dir.filePath(u"fallsbehind.pcap"_s);
        std::vector<TestPacket> packets;
        constexpr int sources = 6;
        constexpr int perSource = 2900; // x 1448 bytes: about 4 MiB each
        for (int i = 0; i < perSource; ++i) {
            for (int k = 0; k < sources; ++k)
                packets.push_back({TestPacket::Kind::Tcp, "10.2.0." + std::to_string(k + 1),
                                   randomPayload(1448 - (i + k) % 3, quint64(i * sources + k)), 0});
        }
        const Expected expected =
            writeCapture(capture, 1, pcapgen::PcapWriter::Format::Pcap, packets);
        roundTrip(capture, expected, {}, {}, u"127.0.0.1"_s, u"127.0.0.1"_s,
                  [](QProcess &replay, Receiver &receiver) {
                      QVERIFY(receiver.sendSignal(SIGSTOP));
                      replay.waitForFinished(1000); // it cannot finish: the receiver takes nothing
                      QVERIFY(receiver.sendSignal(SIGCONT));
                  });
    }

    // Held bytes are queued by copy, in-order ones by reference into the capture's read buffer;
    // both mixed on one connection, across many reuses of that buffer, into a receiver that
    // is stopped for the first second: every stream must still arrive as its sender meant it.
    void reorderedStreamsIntoAReceiverThatFallsBehind()
    {
        std::vector<TestFlow> flows;
        std::vector<std::vector<TestSegment>> lists;
        for (int i = 0; i < 4; ++i) {
            TestFlow flow{.source = "10.3.0." + std::to_string(i + 1),
                          .isn = 4294000000u + std::uint32_t(i),
                          .truth = patternData(quint64(50 + i), 3 * 1024 * 1024 + 7 * i)};
            std::vector<TestSegment> list = inOrder(i, int(flow.truth.size()), 1448);
            for (std::size_t k = 3; k + 1 < list.size(); k += 7)
                std::swap(list[k], list[k + 1]);
            for (std::size_t k = 50; k < list.size(); k += 50) {
                const TestSegment again = list[k - 5];
                list.insert(list.begin() + std::ptrdiff_t(k), again);
            }
            flows.push_back(flow);
            lists.push_back(list);
        }
        const QString capture = m_dir.filePath(u"reorderedbehind.pcap"_s);
        const Expected expected = writeFlows(capture, flows, interleaved(lists), false);
        for (int i = 0; i < 4; ++i)
            QCOMPARE(expected.data.at(flows[std::size_t(i)].source), flows[std::size_t(i)].truth);
        roundTrip(capture, expected, {}, {}, u"127.0.0.1"_s, u"127.0.0.1"_s,
                  [](QProcess &replay, Receiver &receiver) {
                      QVERIFY(receiver.sendSignal(SIGSTOP));
                      replay.waitForFinished(1000);
                      QVERIFY(receiver.sendSignal(SIGCONT));
                  });
        const ReplayRun::Row row = m_lastRun.rows().value(0);
        qInfo("per stream: %lld bytes recorded of %lld true, retransmitted %lld, reordered %lld",
              row.bytes, qint64(flows[0].truth.size()), row.repaired.retransmitted,
              row.repaired.reordered);
    }

    void memoryStaysBoundedAndAStalledReceiverIsReported()
    {
        // 96 MiB of payload from one source into a receiver that is stopped (SIGSTOP): the
        // replay's queue fills to its bound and waits; with --close-timeout 2 the stream is
        // then reported as not delivered. Meanwhile the replay's memory stays small.
        const QString capture = m_dir.filePath(u"big.pcap"_s);
        {
            using namespace pcapgen;
            PcapWriter writer(capture.toStdString(), 12 /* raw IP */);
            const Bytes payload = randomPayload(60000, 7);
            for (int i = 0; i < 1700; ++i)
                writer.add(std::chrono::seconds(1'700'000'000),
                           ipv4({.source = "10.0.0.1"},
                                tcp({.sequence = std::uint32_t(i) * 60000u}, payload)));
            QVERIFY(writer.close());
        }
        const quint16 port = freePort();
        const QString work = newDir();
        Receiver receiver(work, receiverArgs(work + u"/out"_s, port));
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe().constData());
        QVERIFY(receiver.sendSignal(SIGSTOP));
        qint64 peakKiB = 0;
        const ReplayRun run = runReplay(
            {u"--close-timeout"_s, u"2"_s, capture, u"127.0.0.1"_s, QString::number(port)}, 60000,
            [&peakKiB](QProcess &p) {
                const QString status = u"/proc/%1/status"_s.arg(p.processId());
                while (p.state() == QProcess::Running) {
                    const QByteArray text = readFile(status);
                    const qsizetype at = text.indexOf("VmHWM:");
                    if (at >= 0)
                        peakKiB = text.mid(at + 6).trimmed().split(' ').first().toLongLong();
                    p.waitForFinished(100);
                }
            });
        receiver.sendSignal(SIGCONT);
        qInfo("capture-replay peak RSS while the receiver was stopped: %lld KiB", peakKiB);
        QVERIFY2(run.exitCode == 1, run.describe().constData());
        QVERIFY2(run.err.contains("the receiver took nothing for 2 s"), run.describe().constData());
        // Its queues hold at most 4 MiB per stream (64 MiB in all): far from the 97 MiB read.
        QVERIFY2(peakKiB > 0 && peakKiB < 64 * 1024, qPrintable(u"peak %1 KiB"_s.arg(peakKiB)));
        const QByteArray stop = receiver.stopProblem();
        QVERIFY2(stop.isEmpty(), stop.constData());
    }
};

QTEST_GUILESS_MAIN(TestReplay)
#include "tst_replay.moc"
