#include "core/capture/udplistener.h"

#include "core/capture/admission.h"
#include "core/capture/captureevents.h"
#include "core/capture/fileseries.h"
#include "core/capture/freespacemonitor.h"
#include "core/capture/portfiles.h"
#include "core/capture/runcounters.h"
#include "core/capture/udpformat.h"
#include "core/capture/udpsources.h"
#include "core/net/address.h"
#include "core/net/udpbatch.h"
#include "core/util/logging.h"
#include "core/util/units.h"

#include <QSocketNotifier>

#include <cstring>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {
// Per wake-up, so that one busy port cannot starve the thread's others (64 x 64 datagrams).
constexpr int batchesPerWakeup = 64;
// At a stop: what the kernel holds is read, bounded so that a sender that goes on cannot hold
// the stop up.
constexpr int batchesAtStop = 4096;
// Staged bytes are written once they reach this (and at the end of each wake-up).
constexpr size_t stageLimit = 256 * 1024;

} // namespace

UdpListener::UdpListener(quint16 port, const CaptureSettings &settings, const RunParts &parts,
                         UdpBatch *batch, QObject *parent)
    : QObject(parent)
    , m_port(port)
    , m_settings(settings)
    , m_parts(parts)
    , m_batch(batch)
    , m_files(new PortFiles(port, settings, parts, m_noSessions, this))
    , m_refusalLog(new RefusalLog(port, this, u"datagram(s)"_s))
    , m_sources(std::make_unique<UdpSources>(port, settings, parts, m_files, m_refusalLog))
{
    connect(m_refusalLog, &RefusalLog::warningRaised, m_parts.events,
            &CaptureEvents::warningRaised);
    m_stats.port = port;
    m_stats.protocol = PortStats::Protocol::Udp;
    connect(m_parts.freeSpace, &FreeSpaceMonitor::pausedChanged, this,
            &UdpListener::setReadingPaused);
}

UdpListener::~UdpListener()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

bool UdpListener::listen(const QHostAddress &address, QString *error)
{
    QString reason;
    m_fd = openUdpSocket(address, m_port, &reason);
    if (m_fd < 0) {
        if (error)
            *error = reason;
        m_stats.state = PortStats::State::Error;
        m_stats.error = reason;
        return false;
    }
    m_buffer = setReceiveBuffer(m_fd, m_settings.udpBufferSize);
    m_stats.state = PortStats::State::Listening;
    return true;
}

void UdpListener::start()
{
    if (m_fd < 0)
        return;
    if (!m_buffer.warning.isEmpty())
        Q_EMIT m_parts.events->warningRaised(u"port %1/udp: --udp-buffer %2: %3"_s.arg(m_port).arg(
            formatBytes(quint64(m_settings.udpBufferSize)), m_buffer.warning));
    m_notifier = new QSocketNotifier(m_fd, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this,
            [this] { readBatches(batchesPerWakeup); });
    setReadingPaused(m_parts.freeSpace->isPaused());
}

void UdpListener::setReadingPaused(bool paused)
{
    // While paused, datagrams wait in the kernel; what overflows it is counted as dropped.
    if (m_notifier)
        m_notifier->setEnabled(!paused);
}

bool UdpListener::readBatches(int maxBatches)
{
    m_nowMs = QDateTime::currentMSecsSinceEpoch();
    bool more = true;
    for (int i = 0; i < maxBatches && more; ++i) {
        QString error;
        const int n = m_batch->read(m_fd, &error);
        if (n < 0) {
            m_stats.error = u"cannot read: %1"_s.arg(error);
            qCDebug(lcCore) << "port" << m_port << "udp read error" << error;
            more = false;
            break;
        }
        if (n == 0) {
            more = false;
            break;
        }
        writeBatch(n);
    }
    flush();
    return more;
}

void UdpListener::writeBatch(int count)
{
    std::vector<char> &out = m_batch->output;
    const UdpFormat format = m_settings.udpFormat;
    for (int i = 0; i < count; ++i) {
        const Datagram &d = m_batch->at(i);
        if (d.hasDropCount) {
            // The socket's count when the datagram was queued (32 bits: it wraps, so extended).
            m_droppedBeforeLast += quint32(d.dropCount - m_lastDropCount);
            m_lastDropCount = d.dropCount;
            noteDropCount(m_droppedBeforeLast);
        }
        const auto [series, id] = m_sources->route(d.source, m_nowMs);
        if (!series)
            continue; // refused (--allow, limits): counted as such, not as received
        ++m_stats.datagrams;
        m_stats.bytes += quint64(d.length);
        if (series != m_staged) {
            flush();
            m_staged = series;
            m_stagedId = id;
        }
        attributeDrops(series);
        if (d.truncated()) {
            ++m_stats.udpTruncated;
            series->noteDatagrams(0, 0, 1);
        }
        const qint64 size = udpformat::recordSize(format, d);
        if (size == 0) {
            ++m_notWritten;
            reportCut(d);
            continue;
        }
        if (!out.empty() && qint64(out.size()) + size > series->roomBeforeRotation())
            flush(); // the file rotates between two datagrams, never inside one
        udpformat::append(&out, format, d, m_port);
        ++m_stagedDatagrams;
        m_stagedPayload += quint64(d.captured);
        if (out.size() >= stageLimit)
            flush();
    }
}

bool UdpListener::flush()
{
    std::vector<char> &out = m_batch->output;
    if (out.empty() || !m_staged)
        return true;
    FileSeries *series = m_staged;
    const quint64 datagrams = std::exchange(m_stagedDatagrams, 0);
    const quint64 payload = std::exchange(m_stagedPayload, 0);
    const bool ok = series->writeWhole(m_stagedId, out.data(), qint64(out.size()), datagrams);
    out.clear();
    if (ok) {
        m_bytesWritten += payload;
        m_lastWritten = series;
        return true;
    }
    writeFailed(series, datagrams);
    return false;
}

void UdpListener::reportCut(const Datagram &d)
{
    if (m_lastCutReport.isValid() && m_lastCutReport.elapsed() < 1000)
        return;
    m_lastCutReport.start();
    const auto [address, port] = datagramSource(d.source);
    Q_EMIT m_parts.events->errorRaised(
        u"port %1/udp: a datagram of %2 bytes from %3 was cut to %4 by the read buffer: not "
        "written (--udp-format %5 cannot mark it; pcap can); %6 so far"_s.arg(
            QString::number(m_port), QString::number(d.length), endpointText(address, port),
            QString::number(d.captured), udpFormatName(m_settings.udpFormat),
            QString::number(m_stats.udpTruncated)));
}

void UdpListener::writeFailed(FileSeries *series, quint64 datagramsLost)
{
    const QString reason = series->errorString();
    FileInfo info = series->currentFileInfo().value_or(FileInfo{});
    info.path = series->currentPath();
    info.port = m_port;
    info.state = FileInfo::State::Error;
    info.error = reason;
    ++m_parts.counters->writeErrors;
    m_notWritten += datagramsLost;
    m_stats.state = PortStats::State::Error;
    m_stats.error = u"write error on %1: %2"_s.arg(info.path, reason);
    Q_EMIT m_parts.events->writeFailed(info);
    Q_EMIT m_parts.events->errorRaised(
        u"port %1/udp: %2 datagram(s) not written: write error on %3: %4; the next datagram "
        "starts a new file"_s.arg(m_port)
            .arg(datagramsLost)
            .arg(info.path, reason));
    // The failed series closes with its reason; the next datagram gets a new one.
    forgetSeries(series);
    m_sources->writeFailed(series, reason);
}

void UdpListener::forgetSeries(FileSeries *series)
{
    if (m_staged == series) {
        m_batch->output.clear(); // flushed already, unless its write failed
        m_staged = nullptr;
    }
    if (m_lastWritten == series)
        m_lastWritten = nullptr;
}

void UdpListener::noteDropCount(quint64 total)
{
    m_stats.udpDropped = qMax(m_stats.udpDropped, total);
}

void UdpListener::attributeDrops(FileSeries *series)
{
    if (!series || m_stats.udpDropped == m_dropsAttributed)
        return;
    series->noteDatagrams(0, m_stats.udpDropped - m_dropsAttributed, 0);
    m_dropsAttributed = m_stats.udpDropped;
}

void UdpListener::reportDrops(bool atStop)
{
    if (m_stats.udpDropped == m_dropsReported)
        return;
    if (!atStop && m_lastDropReport.isValid() && m_lastDropReport.elapsed() < 1000)
        return;
    m_lastDropReport.start();
    const quint64 now = m_stats.udpDropped - m_dropsReported;
    m_dropsReported = m_stats.udpDropped;
    Q_EMIT m_parts.events->warningRaised(
        u"port %1/udp: %2 datagram(s) dropped by the kernel since the last report (%3 in all): "
        "the receive buffer (granted %4) overflowed; a larger --udp-buffer or a faster disk "
        "helps"_s.arg(m_port)
            .arg(now)
            .arg(m_stats.udpDropped)
            .arg(formatBytes(quint64(m_buffer.granted))));
}

void UdpListener::finalRead()
{
    if (m_fd < 0)
        return;
    if (m_notifier)
        m_notifier->setEnabled(false);
    if (!m_parts.freeSpace->isPaused())
        readBatches(batchesAtStop);
    if (const qint64 drops = socketDropCount(m_fd); drops >= 0)
        noteDropCount(quint64(drops));
    attributeDrops(m_settings.split == SplitMode::Port ? m_sources->portSeries() : m_lastWritten);
    reportDrops(true);
}

void UdpListener::closeFiles()
{
    flush();
    if (m_notifier) {
        m_notifier->setEnabled(false);
        m_notifier->deleteLater();
        m_notifier = nullptr;
    }
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
    m_refusalLog->flush();
    m_staged = nullptr;
    m_lastWritten = nullptr;
    m_sources->closeAll();
    m_lastWritten = nullptr;
    m_stats.state = PortStats::State::Closed;
    m_stats.currentFile.clear();
    m_stats.rate = 0;
    m_stats.datagramRate = 0;
}

void UdpListener::tick(double seconds)
{
    if (m_settings.rotateIntervalSec > 0)
        m_files->checkIntervals(QDateTime::currentMSecsSinceEpoch());
    if (m_fd >= 0) {
        if (const qint64 drops = socketDropCount(m_fd); drops >= 0)
            noteDropCount(quint64(drops));
        if (m_settings.split == SplitMode::Port)
            attributeDrops(m_sources->portSeries());
        reportDrops(false);
        flush();
        m_sources->closeIdle(QDateTime::currentMSecsSinceEpoch(),
                             [this](FileSeries *series) { forgetSeries(series); });
    }
    m_stats.rate = seconds > 0 ? double(m_stats.bytes - m_bytesAtLastTick) / seconds : 0.0;
    m_stats.datagramRate =
        seconds > 0 ? double(m_stats.datagrams - m_datagramsAtLastTick) / seconds : 0.0;
    const bool receiving = m_stats.datagrams != m_datagramsAtLastTick;
    m_bytesAtLastTick = m_stats.bytes;
    m_datagramsAtLastTick = m_stats.datagrams;
    if (m_stats.state != PortStats::State::Closed) {
        if (!m_stats.error.isEmpty())
            m_stats.state = PortStats::State::Error;
        else
            m_stats.state = receiving ? PortStats::State::Receiving : PortStats::State::Listening;
        m_stats.currentFile = m_files->currentFile();
    }
}

PortStats UdpListener::stats() const
{
    PortStats stats = m_stats;
    stats.files = m_files->filesOpened();
    stats.activeConnections = m_settings.split == SplitMode::Connection ? m_sources->open() : 0;
    stats.totalConnections = m_sources->seen();
    stats.refusedNotAllowed = m_sources->refusedNotAllowed();
    stats.refusedOverLimit = m_sources->refusedOverLimit();
    stats.idleClosed = m_sources->idleClosed();
    return stats;
}

PortSummary UdpListener::summary() const
{
    PortSummary s;
    s.port = m_port;
    s.protocol = PortStats::Protocol::Udp;
    s.files = m_files->filesOpened();
    s.connections = m_sources->seen();
    s.bytesReceived = m_stats.bytes;
    s.bytesWritten = m_bytesWritten;
    s.datagrams = m_stats.datagrams;
    s.udpDropped = m_stats.udpDropped;
    s.udpTruncated = m_stats.udpTruncated;
    return s;
}

} // namespace capture
