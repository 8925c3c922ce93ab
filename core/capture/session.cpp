#include "core/capture/session.h"

#include "core/capture/fileseries.h"
#include "core/capture/readsource.h"
#include "core/util/logging.h"

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {
// Per wake-up, so one fast sender cannot starve the other connections of the thread.
constexpr qint64 readBudgetPerWakeup = 8 * 1024 * 1024;
} // namespace

Session::Session(quint64 id, std::unique_ptr<ReadSource> source, const ConnectionOrigin &origin,
                 std::shared_ptr<FileSeries> series, std::vector<char> *readBuffer, QObject *parent)
    : QObject(parent)
    , m_source(std::move(source))
    , m_series(std::move(series))
    , m_buffer(readBuffer)
{
    m_info.id = id;
    m_info.peerAddress = origin.address;
    m_info.peerPort = origin.port;
    m_info.via = origin.via;
    m_info.localPort = m_source->localPort();
    m_info.opened = QDateTime::currentDateTime();
    m_info.tlsSubject = origin.tlsSubject;
    m_series->attach(m_info);
    m_lastData.start();
    connect(m_source.get(), &ReadSource::readable, this, &Session::onReadable);
    // What arrived with the end of a TLS handshake is already buffered.
    m_source->announceBuffered();
}

Session::~Session() = default;

ConnectionInfo Session::info() const
{
    ConnectionInfo info = m_info;
    info.file = m_series->currentPath();
    return info;
}

void Session::updateWatching()
{
    m_source->setWatching(!m_paused && !m_waitingForFile);
}

void Session::retryFile()
{
    if (!m_waitingForFile || m_finished)
        return;
    m_waitingForFile = false;
    updateWatching();
    onReadable();
    if (!m_waitingForFile)
        m_source->announceBuffered();
}

void Session::setPaused(bool paused)
{
    m_paused = paused;
    updateWatching();
    if (!paused) {
        m_lastData.start(); // not reading was our doing, not the peer's silence
        m_source->announceBuffered();
    }
}

void Session::tick(double seconds)
{
    const quint64 delta = m_info.bytesReceived - m_bytesAtLastTick;
    m_bytesAtLastTick = m_info.bytesReceived;
    m_info.rate = seconds > 0 ? double(delta) / seconds : 0.0;
}

Session::ReadOutcome Session::prepareFile()
{
    switch (m_source->peek()) {
    case ReadResult::Kind::Eof:
        return ReadOutcome::PeerClosed;
    case ReadResult::Kind::WouldBlock:
    case ReadResult::Kind::Error:
        return ReadOutcome::BudgetUsed; // nothing yet (or an error the read reports)
    case ReadResult::Kind::Data:
        break;
    }
    QString error;
    switch (m_series->ensureOpen(&error)) {
    case FileSeries::OpenResult::Open:
        return ReadOutcome::BudgetUsed;
    case FileSeries::OpenResult::OutOfDescriptors:
        m_error = error;
        return ReadOutcome::WaitingForFile;
    case FileSeries::OpenResult::Failed:
        m_error = error;
        return ReadOutcome::NoFile;
    }
    return ReadOutcome::NoFile;
}

Session::ReadOutcome Session::readAvailable(qint64 budget, bool stopWhenPaused)
{
    char *const data = m_buffer->data();
    const size_t capacity = m_buffer->size();
    while (budget > 0) {
        if (!m_series->isOpen()) {
            // Nothing is read before its file exists, so a failure to open loses no byte.
            const ReadOutcome file = prepareFile();
            if (file != ReadOutcome::BudgetUsed)
                return file;
        }
        const ReadResult read = m_source->read(data, qint64(capacity));
        switch (read.kind) {
        case ReadResult::Kind::Eof:
            return ReadOutcome::PeerClosed;
        case ReadResult::Kind::WouldBlock:
            return ReadOutcome::Drained;
        case ReadResult::Kind::Error:
            m_error = read.error;
            return ReadOutcome::Failed;
        case ReadResult::Kind::Data:
            break;
        }
        const qint64 n = read.bytes;
        const bool first = m_info.bytesReceived == 0;
        m_info.bytesReceived += quint64(n);
        m_lastData.start();
        const quint64 before = m_series->bytesWritten();
        const bool ok = m_series->write(m_info.id, data, n);
        m_info.bytesWritten += m_series->bytesWritten() - before;
        if (!ok) {
            const QString reason = m_series->errorString();
            Q_EMIT writeFailed(this, reason);
            finish(u"write error: %1"_s.arg(reason));
            return ReadOutcome::Failed;
        }
        if (first)
            Q_EMIT recordingStarted(this);
        budget -= n;
        if (stopWhenPaused && m_series->readingPaused())
            return ReadOutcome::Drained; // the notifier is off; reading resumes with it
    }
    return ReadOutcome::BudgetUsed;
}

void Session::onReadable()
{
    if (m_finished || m_paused || m_waitingForFile)
        return;
    switch (readAvailable(readBudgetPerWakeup, true)) {
    case ReadOutcome::Drained:
    case ReadOutcome::BudgetUsed:
        return; // the notifier fires again while data remains
    case ReadOutcome::PeerClosed:
        finish(u"peer closed"_s);
        return;
    case ReadOutcome::Failed:
        finish(m_error); // no-op after a write failure: that already finished
        return;
    case ReadOutcome::WaitingForFile:
        m_waitingForFile = true;
        updateWatching();
        Q_EMIT waitingForFile(this, m_error);
        return;
    case ReadOutcome::NoFile:
        closeUnrecorded(m_error);
        return;
    }
}

void Session::closeUnrecorded(const QString &reason)
{
    m_closedUnrecorded = true;
    const QString why = u"closed unread: %1"_s.arg(reason);
    Q_EMIT fileUnavailable(this, why);
    finish(why);
}

void Session::finishAfterFinalRead(const QString &reason)
{
    if (m_finished)
        return;
    const qint64 queued = m_source->queued();
    if (m_paused) {
        // The volume is at its --min-free-space margin: what it cannot take stays unread in the
        // kernel (the stop reports it) rather than being read and then failing to be written.
        if (queued == 0 && m_source->peek() == ReadResult::Kind::Eof) {
            finish(u"peer closed"_s);
            return;
        }
        m_leftUnread = quint64(qMax<qint64>(queued, 0));
        finish(queued > 0 ? u"%1, %2 bytes left unread (output volume at its --min-free-space "
                            "margin)"_s.arg(reason)
                                .arg(queued)
                          : reason);
        return;
    }
    // At least one read, so a close that is already queued is still seen.
    m_waitingForFile = false;
    switch (readAvailable(qMax<qint64>(queued, 1), false)) {
    case ReadOutcome::PeerClosed:
        finish(u"peer closed"_s);
        return;
    case ReadOutcome::Failed:
        finish(m_error);
        return;
    case ReadOutcome::WaitingForFile:
    case ReadOutcome::NoFile:
        closeUnrecorded(m_error);
        return;
    case ReadOutcome::Drained:
    case ReadOutcome::BudgetUsed:
        finish(reason);
        return;
    }
}

void Session::finish(const QString &reason)
{
    if (m_finished)
        return;
    m_finished = true;
    qCDebug(lcCore) << "connection" << m_info.id << "finished:" << reason << m_info.bytesReceived
                    << "bytes received," << m_info.bytesWritten << "written";
    m_info.closed = QDateTime::currentDateTime();
    m_info.closeReason = reason;
    m_info.rate = 0;
    m_series->detach(m_info.id, m_info.closed, reason);
    m_source->close();
    Q_EMIT finished(this);
}

} // namespace capture
