#pragma once

#include <QHostAddress>
#include <QTcpServer>

#include <functional>

namespace capture {

/// A listening socket that hands each accepted descriptor over as it is, without wrapping it
/// in a QTcpSocket: the receiver reads it itself, and a refused client costs no socket object.
/// After an accept error (out of descriptors, say) QTcpServer stops accepting; this one
/// resumes after resumeAcceptingAfterMs, unless its owner holds accepting.
class AcceptServer : public QTcpServer
{
    Q_OBJECT

public:
    static constexpr int resumeAcceptingAfterMs = 1000;

    /// `accepted` takes each accepted descriptor (blocking, as the kernel gives it).
    explicit AcceptServer(std::function<void(int descriptor)> accepted, QObject *parent = nullptr);

    /// Listens on `address`:`port` (see openListeningSocket()); false with the operating
    /// system's reason.
    bool open(const QHostAddress &address, quint16 port, QString *error);

    /// Holds accepting (paused) until released; while held, an accept error does not resume.
    void setHeld(bool held);

Q_SIGNALS:
    /// Accepting a connection failed for `reason`; accepting resumes after
    /// resumeAcceptingAfterMs unless held.
    void acceptFailed(const QString &reason);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    std::function<void(int)> m_accepted;
    bool m_held = false;
};

} // namespace capture
