#include "core/capture/session.h"

#include "core/capture/fileseries.h"
#include "core/net/listensocket.h"
#include "core/util/logging.h"
#include "core/util/syserror.h"

#include <QSocketNotifier>
#include <QSslSocket>
#include <QTimer>

#include <cerrno>
#include <climits>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {
// Per wake-up, so one fast sender cannot starve the other connections of the thread.
constexpr qint64 readBudgetPerWakeup = 8 * 1024 * 1024;
} // namespace

Session::Session(quint64 id, int fd, std::shared_ptr<FileSeries> series,
                 std::vector<char> *readBuffer, QObject *parent)
    : QObject(parent)
    , m_fd(fd)
    , m_series(std::move(series))
    , m_buffer(readBuffer)
{
    const auto [peerAddress, peerPort] = socketEndpoint(fd, EndpointSide::Peer);
    begin(id, peerAddress, peerPort, socketEndpoint(fd, EndpointSide::Local).second, QString());
    m_notifier = new QSocketNotifier(qintptr(fd), QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &Session::onReadable);
}

Session::Session(quint64 id, QSslSocket *socket, const QString &tlsSubject,
                 std::shared_ptr<FileSeries> series, std::vector<char> *readBuffer, QObject *parent)
    : QObject(parent)
    , m_tls(socket)
    , m_series(std::move(series))
    , m_buffer(readBuffer)
{
    m_tls->setParent(this);
    begin(id, m_tls->peerAddress(), m_tls->peerPort(), m_tls->localPort(), tlsSubject);
    connect(m_tls, &QSslSocket::readyRead, this, &Session::onReadable);
    connect(m_tls, &QSslSocket::disconnected, this, &Session::onReadable);
    connect(m_tls, &QSslSocket::errorOccurred, this, &Session::onReadable);
    // What arrived with the end of the handshake is already buffered.
    QTimer::singleShot(0, this, &Session::onReadable);
}

void Session::begin(quint64 id, const QHostAddress &peerAddress, quint16 peerPort,
                    quint16 localPort, const QString &tlsSubject)
{
    m_info.id = id;
    m_info.peerAddress = peerAddress;
    m_info.peerPort = peerPort;
    m_info.localPort = localPort;
    m_info.opened = QDateTime::currentDateTime();
    m_info.tlsSubject = tlsSubject;
    m_series->attach(id, m_info.peerText(), m_info.opened, tlsSubject);
    m_lastData.start();
}

qint64 Session::readSome(char *data, qint64 capacity)
{
    if (!m_tls) {
        for (;;) {
            const ssize_t n = ::read(m_fd, data, size_t(capacity));
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
                m_error = systemErrorString(errno);
            return n;
        }
    }
    if (m_tls->bytesAvailable() > 0) {
        const qint64 n = m_tls->read(data, capacity);
        if (n > 0)
            return n;
    }
    const QAbstractSocket::SocketError error = m_tls->error();
    if (error != QAbstractSocket::UnknownSocketError &&
        error != QAbstractSocket::RemoteHostClosedError) {
        m_error = u"TLS: %1"_s.arg(m_tls->errorString());
        errno = EIO;
        return -1;
    }
    if (error == QAbstractSocket::RemoteHostClosedError ||
        m_tls->state() != QAbstractSocket::ConnectedState)
        return 0; // the peer closed, and everything it sent has been read
    errno = EAGAIN;
    return -1;
}

Session::~Session()
{
    if (m_fd >= 0)
        ::close(m_fd);
    if (m_tls)
        m_tls->abort();
}

ConnectionInfo Session::info() const
{
    ConnectionInfo info = m_info;
    info.file = m_series->currentPath();
    return info;
}

void Session::updateNotifier()
{
    if (m_notifier)
        m_notifier->setEnabled(!m_paused && !m_waitingForFile);
}

void Session::retryFile()
{
    if (!m_waitingForFile || m_finished)
        return;
    m_waitingForFile = false;
    updateNotifier();
    onReadable();
    if (m_tls && !m_waitingForFile) // its buffer may hold data no readyRead will announce again
        QTimer::singleShot(0, this, &Session::onReadable);
}

void Session::setPaused(bool paused)
{
    m_paused = paused;
    updateNotifier();
    if (!paused) {
        m_lastData.start(); // not reading was our doing, not the peer's silence
        if (m_tls)          // its buffer may hold data no readyRead will announce again
            QTimer::singleShot(0, this, &Session::onReadable);
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
    if (m_tls) {
        if (m_tls->bytesAvailable() <= 0)
            return ReadOutcome::BudgetUsed; // readSome() tells a close or an error
    } else {
        char byte = 0;
        ssize_t n = 0;
        do
            n = ::recv(m_fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        while (n < 0 && errno == EINTR);
        if (n == 0)
            return ReadOutcome::PeerClosed;
        if (n < 0)
            return ReadOutcome::BudgetUsed; // nothing yet (or an error readSome() reports)
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
        const qint64 n = readSome(data, qint64(capacity));
        if (n == 0)
            return ReadOutcome::PeerClosed;
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return ReadOutcome::Drained;
            return ReadOutcome::Failed;
        }
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
        updateNotifier();
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
    int queued = 0;
    if (m_tls)
        queued = int(qMin<qint64>(m_tls->bytesAvailable(), INT_MAX));
    else if (::ioctl(m_fd, FIONREAD, &queued) != 0)
        queued = 0;
    if (m_paused) {
        // The volume is at its --min-free-space margin: what it cannot take stays unread in the
        // kernel (the stop reports it) rather than being read and then failing to be written.
        char byte = 0;
        if (queued == 0 && !m_tls && ::recv(m_fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0) {
            finish(u"peer closed"_s);
            return;
        }
        m_leftUnread = quint64(qMax(queued, 0));
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
    // Unregistered before the descriptor goes away; deleted later, since finish() may run
    // inside the notifier's own activated() signal.
    if (m_notifier) {
        m_notifier->setEnabled(false);
        m_notifier->deleteLater();
        m_notifier = nullptr;
    }
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
    if (m_tls) {
        m_tls->disconnect(this);
        m_tls->abort();
    }
    Q_EMIT finished(this);
}

} // namespace capture
