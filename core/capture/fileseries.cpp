#include "core/capture/fileseries.h"

#include "core/capture/freespacemonitor.h"
#include "core/capture/runcounters.h"
#include "core/capture/rundirectory.h"
#include "core/util/hashworker.h"

#include <algorithm>
#include <cerrno>
#include <limits>
#include <utility>

using namespace Qt::Literals::StringLiterals;

namespace capture {

qint64 nextRotationBoundaryMs(qint64 nowMs, qint64 intervalSec)
{
    if (intervalSec <= 0)
        return 0;
    const QDateTime now = QDateTime::fromMSecsSinceEpoch(nowMs);
    const qint64 offset = now.offsetFromUtc();
    const qint64 localSec = nowMs / 1000 + offset;
    const qint64 next = (localSec / intervalSec + 1) * intervalSec;
    return (next - offset) * 1000;
}

FileSeries::FileSeries(const CaptureSettings &settings, const RunParts &parts, quint16 port,
                       Hooks hooks)
    : m_settings(settings)
    , m_parts(parts)
    , m_port(port)
    , m_hooks(std::move(hooks))
{
    if (settings.hash != HashAlgorithm::None)
        m_hash = std::make_shared<Digest>(settings.hash);
}

// Its owner closes it with the real reason; at teardown the file just closes, unrecorded (the
// owner may already be gone).
FileSeries::~FileSeries() = default;

FileSeries::OpenResult FileSeries::ensureOpen(QString *error)
{
    if (m_sink)
        return OpenResult::Open;
    int errorCode = 0; // the operating system's, from the failed create
    if (openFile(QDateTime::currentDateTime(), error, &errorCode)) {
        m_parts.spareDescriptor->reserve(); // taken again if it was used and one is free
        return OpenResult::Open;
    }
    const auto outOfDescriptors = [&errorCode] {
        return errorCode == EMFILE || errorCode == ENFILE;
    };
    if (!outOfDescriptors())
        return OpenResult::Failed;
    if (m_hooks.nameUnused)
        m_hooks.nameUnused();
    if (!m_parts.spareDescriptor->release())
        return OpenResult::OutOfDescriptors;
    errorCode = 0;
    if (openFile(QDateTime::currentDateTime(), error, &errorCode))
        return OpenResult::Open;
    if (!outOfDescriptors())
        return OpenResult::Failed;
    if (m_hooks.nameUnused)
        m_hooks.nameUnused();
    return OpenResult::OutOfDescriptors;
}

bool FileSeries::openFile(const QDateTime &now, QString *error, int *errorCode)
{
    // A directory that went away is noticed (and made again) before a file goes into it.
    m_parts.directory->check();
    const CaptureSettings &settings = m_settings;
    const QString name = m_hooks.fileName(now);
    std::unique_ptr<FileSink> sink =
        settings.sinkFactory ? settings.sinkFactory(settings.outputDir, name, error, errorCode)
                             : FileSink::create(settings.outputDir, name, error, errorCode);
    if (!sink)
        return false;
    m_sink = std::move(sink);
    if (m_hash && m_parts.hashPool)
        m_hashWorker = m_parts.hashPool->acquire();

    m_lastPath = m_sink->path();
    m_runNumber = m_parts.counters->runNumber;
    m_boundaryMs = nextRotationBoundaryMs(now.toMSecsSinceEpoch(), settings.rotateIntervalSec);
    m_connections.clear();
    m_connectionIndex.clear();
    m_lastEnd.clear();
    m_unlisted = 0;
    for (auto it = m_attached.begin(); it != m_attached.end(); ++it) {
        it->unlisted = false;
        record(it.key(), 0, 0);
    }
    if (m_hooks.opened)
        m_hooks.opened(*m_sink);
    // A failure leaves the series failed, as a failed write does; close() gives the reason.
    if (!m_preamble.isEmpty() && !writeToSink(0, m_preamble.constData(), m_preamble.size())) {
        if (error)
            *error = m_error;
        return false;
    }
    return true;
}

void FileSeries::attach(const ConnectionInfo &connection, const QString &peer)
{
    m_attached.insert(connection.id,
                      {peer, connection.opened, connection.tlsSubject, connection.via, false});
    if (m_sink)
        record(connection.id, m_sink->bytesWritten(), 0);
}

void FileSeries::detach(quint64 id, const QDateTime &closed, const QString &reason)
{
    m_attached.remove(id);
    const auto it = m_connectionIndex.constFind(id);
    if (it != m_connectionIndex.constEnd()) {
        m_connections[*it].closed = closed;
        m_connections[*it].closeReason = reason;
    }
}

void FileSeries::record(quint64 id, quint64 offset, quint64 bytes)
{
    auto it = m_connectionIndex.constFind(id);
    if (it == m_connectionIndex.constEnd()) {
        // A port file that lives for millions of short connections must not grow without end.
        if (qsizetype(m_connections.size()) >= ManifestFile::maxListedConnections) {
            const auto attached = m_attached.find(id);
            if (attached != m_attached.end() && !attached->unlisted) {
                attached->unlisted = true;
                ++m_unlisted;
            }
            return;
        }
        ManifestConnection c;
        c.id = id;
        const Attached attached = m_attached.value(id);
        c.peer = attached.peer;
        c.opened = attached.opened;
        c.tlsSubject = attached.tlsSubject;
        c.via = attached.via;
        c.offset = offset;
        it = m_connectionIndex.insert(id, m_connections.size());
        m_connections.push_back(c);
        m_lastEnd.push_back(offset);
    }
    if (bytes == 0)
        return;
    ManifestConnection &c = m_connections[*it];
    if (c.bytes == 0)
        c.offset = offset; // its data start where its first byte lands
    else if (m_lastEnd[*it] != offset)
        c.interleaved = true; // another connection wrote in between
    c.bytes += bytes;
    m_lastEnd[*it] = offset + bytes;
}

bool FileSeries::prepareFile()
{
    QDateTime now;
    if (m_settings.rotateIntervalSec > 0 || !m_sink)
        now = QDateTime::currentDateTime();
    if (m_sink && m_boundaryMs > 0 && now.toMSecsSinceEpoch() >= m_boundaryMs)
        closeFile(u"rotation (interval)"_s);
    if (!m_sink) {
        QString error;
        if (!openFile(now, &error)) {
            m_error = error;
            return false;
        }
    }
    return true;
}

bool FileSeries::writeToSink(quint64 id, const char *data, qint64 size)
{
    const quint64 before = m_sink->bytesWritten();
    const bool ok = m_sink->write(data, size);
    const quint64 written = m_sink->bytesWritten() - before;
    if (m_hashWorker)
        m_hashWorker->update(m_hash, data, qint64(written));
    else if (m_hash)
        m_hash->update(data, qint64(written)); // inline: cheaper than a copy (xxh128)
    if (id != 0)
        record(id, before, written);
    m_parts.freeSpace->noteWritten(written);
    if (!ok)
        m_error = m_sink->errorString(); // the file is closed by close(), with this reason
    return ok;
}

bool FileSeries::write(quint64 id, const char *data, qint64 size)
{
    if (!m_error.isEmpty())
        return false;
    const CaptureSettings &settings = m_settings;
    while (size > 0) {
        if (!prepareFile())
            return false;
        qint64 chunk = size;
        if (settings.rotateSize > 0)
            chunk = qMin<qint64>(chunk, qint64(settings.rotateSize - m_sink->bytesWritten()));
        const quint64 before = m_sink->bytesWritten();
        const bool ok = writeToSink(id, data, chunk);
        m_bytesWritten += m_sink->bytesWritten() - before;
        if (!ok)
            return false;
        data += chunk;
        size -= chunk;
        // A full file closes at once; the next byte, if any, opens the next one.
        if (settings.rotateSize > 0 && m_sink->bytesWritten() >= settings.rotateSize)
            closeFile(u"rotation (size)"_s);
    }
    return true;
}

bool FileSeries::writeWhole(quint64 id, const char *data, qint64 size, quint64 datagrams)
{
    if (!m_error.isEmpty())
        return false;
    const quint64 rotateSize = m_settings.rotateSize;
    if (m_sink && rotateSize > 0 && m_sink->bytesWritten() > quint64(m_preamble.size()) &&
        m_sink->bytesWritten() + quint64(size) > rotateSize)
        closeFile(u"rotation (size)"_s);
    if (!prepareFile())
        return false;
    const quint64 before = m_sink->bytesWritten();
    const bool ok = writeToSink(id, data, size);
    m_bytesWritten += m_sink->bytesWritten() - before;
    if (!ok)
        return false;
    noteDatagrams(datagrams, 0, 0);
    if (rotateSize > 0 && m_sink->bytesWritten() >= rotateSize)
        closeFile(u"rotation (size)"_s);
    return true;
}

qint64 FileSeries::roomBeforeRotation() const
{
    if (m_settings.rotateSize == 0)
        return std::numeric_limits<qint64>::max();
    const quint64 used = m_sink ? m_sink->bytesWritten() : quint64(m_preamble.size());
    return used >= m_settings.rotateSize ? 0 : qint64(m_settings.rotateSize - used);
}

void FileSeries::setUdpFormat(const QString &format)
{
    if (!m_udp)
        m_udp = ManifestUdp{};
    m_udp->format = format;
}

void FileSeries::noteDatagrams(quint64 written, quint64 dropped, quint64 truncated)
{
    if (!m_udp)
        return;
    m_udp->datagrams += written;
    m_udp->dropped += dropped;
    m_udp->truncated += truncated;
}

void FileSeries::checkInterval(qint64 nowMs)
{
    if (m_sink && m_error.isEmpty() && m_boundaryMs > 0 && nowMs >= m_boundaryMs)
        closeFile(u"rotation (interval)"_s);
}

void FileSeries::close(const QString &reason)
{
    if (m_sink)
        closeFile(m_error.isEmpty() ? reason : u"write error: %1"_s.arg(m_error));
}

void FileSeries::closeFile(const QString &reason)
{
    std::unique_ptr<FileSink> sink = std::move(m_sink);
    const bool unlinked = sink->isUnlinked();
    sink->close();
    ManifestFile record;
    record.file = sink->fileName();
    record.runNumber = m_runNumber;
    record.port = m_port;
    record.split = m_settings.split;
    record.bytes = sink->bytesWritten();
    record.digest.algorithm = m_settings.hash;
    if (m_hashWorker) {
        record.digest.hex = QString::fromLatin1(m_hashWorker->finish(m_hash));
        m_parts.hashPool->release(std::exchange(m_hashWorker, nullptr));
    } else if (m_hash) {
        record.digest.hex = QString::fromLatin1(m_hash->finalHex());
    }
    record.opened = sink->openedAt();
    record.closed = sink->closedAt();
    record.closeReason = reason;
    record.connections = QList<ManifestConnection>(m_connections.begin(), m_connections.end());
    // Carried-over connections were added in hash order: list them as they were accepted.
    std::sort(record.connections.begin(), record.connections.end(),
              [](const ManifestConnection &a, const ManifestConnection &b) { return a.id < b.id; });
    record.unlistedConnections = m_unlisted;
    if (m_udp) {
        record.udp = *m_udp;
        m_udp->datagrams = m_udp->dropped = m_udp->truncated = 0;
    }
    m_unlisted = 0;
    m_connections.clear();
    m_connectionIndex.clear();
    m_lastEnd.clear();
    m_boundaryMs = 0;

    FileInfo info = infoOf(*sink);
    info.closeReason = reason;
    if (unlinked) {
        info.state = FileInfo::State::Lost;
        info.error = u"deleted while it was written"_s;
    }
    info.digest = record.digest;
    if (m_hooks.closed)
        m_hooks.closed(record, info);
}

FileInfo FileSeries::infoOf(const FileSink &sink) const
{
    FileInfo info;
    info.path = sink.path();
    info.name = sink.fileName();
    info.port = m_port;
    info.runNumber = m_runNumber;
    info.bytes = sink.bytesWritten();
    info.opened = sink.openedAt();
    info.closed = sink.closedAt();
    info.state = sink.hasFailed() ? FileInfo::State::Error
                 : sink.isOpen()  ? FileInfo::State::Writing
                                  : FileInfo::State::Closed;
    info.error = sink.errorString();
    return info;
}

bool FileSeries::readingPaused() const
{
    return m_parts.freeSpace->isPaused();
}

std::optional<FileInfo> FileSeries::currentFileInfo() const
{
    if (!m_sink)
        return std::nullopt;
    return infoOf(*m_sink);
}

} // namespace capture
