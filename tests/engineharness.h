#pragma once

// The engine tests' harness: a controller with spies on every signal, and settings for a
// capture on 127.0.0.1.
#include "core/capture/capturecontroller.h"

#include <QDir>
#include <QSignalSpy>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;

namespace capture {

inline constexpr int timeoutMs = 60000;

/// A controller with spies on every signal a test looks at.
struct Harness
{
    CaptureController controller;
    QSignalSpy started{controller.events(), &CaptureEvents::started};
    QSignalSpy startFailed{controller.events(), &CaptureEvents::startFailed};
    QSignalSpy opened{controller.events(), &CaptureEvents::connectionOpened};
    QSignalSpy closed{controller.events(), &CaptureEvents::connectionClosed};
    QSignalSpy filesOpened{controller.events(), &CaptureEvents::fileOpened};
    QSignalSpy filesClosed{controller.events(), &CaptureEvents::fileClosed};
    QSignalSpy filesDeleted{controller.events(), &CaptureEvents::fileDeleted};
    QSignalSpy filesLost{controller.events(), &CaptureEvents::fileLost};
    QSignalSpy writeFailed{controller.events(), &CaptureEvents::writeFailed};
    QSignalSpy warnings{controller.events(), &CaptureEvents::warningRaised};
    QSignalSpy errors{controller.events(), &CaptureEvents::errorRaised};
    QSignalSpy stats{controller.events(), &CaptureEvents::statsUpdated};
    QSignalSpy stopped{controller.events(), &CaptureEvents::stopped};

    bool start(const CaptureSettings &settings)
    {
        controller.start(settings);
        return QTest::qWaitFor([this] { return !started.isEmpty() || !startFailed.isEmpty(); },
                               timeoutMs) &&
               !started.isEmpty();
    }
    StopSummary stop()
    {
        controller.stop();
        if (!QTest::qWaitFor([this] { return !stopped.isEmpty(); }, timeoutMs))
            return {};
        return stopped.takeFirst().at(0).value<StopSummary>();
    }
    QList<FileInfo> lostFiles() const
    {
        QList<FileInfo> list;
        for (const QList<QVariant> &args : filesLost)
            list.append(args.at(0).value<FileInfo>());
        return list;
    }
    QStringList errorTexts() const
    {
        QStringList list;
        for (const QList<QVariant> &args : errors)
            list.append(args.at(0).toString());
        return list;
    }
    QList<ConnectionInfo> closedConnections() const
    {
        QList<ConnectionInfo> list;
        for (const QList<QVariant> &args : closed)
            list.append(args.at(0).value<ConnectionInfo>());
        return list;
    }
};

inline CaptureSettings settingsFor(const QList<quint16> &ports, const QString &dir, SplitMode split)
{
    CaptureSettings s;
    s.bindAddress = QHostAddress::LocalHost;
    s.ports = ports;
    s.outputDir = dir;
    s.split = split;
    s.drainTimeoutMs = 10000;
    return s;
}

inline QStringList filesIn(const QString &dir)
{
    return QDir(dir).entryList({u"stream_*"_s}, QDir::Files, QDir::Name);
}

/// A blocking client connection to 127.0.0.1 that stays open until close() or destruction.
class Client
{
public:
    explicit Client(quint16 port)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(m_fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) != 0) {
            ::close(m_fd);
            m_fd = -1;
        }
    }
    ~Client() { close(); }
    Client(const Client &) = delete;
    Client &operator=(const Client &) = delete;
    void close()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
    }
    bool ok() const { return m_fd >= 0; }
    bool send(const QByteArray &data)
    {
        for (qsizetype done = 0; done < data.size();) {
            const ssize_t n =
                ::send(m_fd, data.constData() + done, size_t(data.size() - done), MSG_NOSIGNAL);
            if (n <= 0)
                return false;
            done += n;
        }
        return true;
    }
    /// Whether the receiver closed the connection within `ms` (EOF or reset).
    bool closedByPeer(int ms)
    {
        pollfd p{m_fd, POLLIN, 0};
        if (::poll(&p, 1, ms) <= 0)
            return false;
        char byte = 0;
        return ::recv(m_fd, &byte, 1, MSG_DONTWAIT) <= 0;
    }

private:
    int m_fd = -1;
};

} // namespace capture
