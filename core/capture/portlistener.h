#pragma once

#include "core/capture/capturesettings.h"
#include "core/capture/capturetypes.h"
#include "core/capture/runparts.h"

#include <QObject>

#include <memory>
#include <vector>

class QSslSocket;

namespace capture {

class AcceptServer;
class Admission;
class FileSeries;
class HeldConnections;
class RefusalLog;
class PortFiles;
class ProxyHeaders;
class TlsHandshakes;
class Session;

/// One listening port: accepts connections (admission, TLS handshakes, descriptors held), gives
/// each a Session writing to the port's files, and reports what happens to the run's CaptureEvents.
/// Lives in the engine's worker thread.
class PortListener : public QObject
{
    Q_OBJECT

public:
    /// `settings` and the owners in `parts` outlive the listener (the engine keeps them).
    PortListener(quint16 port, const CaptureSettings &settings, const RunParts &parts,
                 QObject *parent = nullptr);
    ~PortListener() override;

    quint16 port() const { return m_port; }

    /// Binds and listens; on failure returns false with the operating system's reason.
    bool listen(const QHostAddress &address, QString *error);

    /// Takes the connections the kernel already accepted for us, then stops listening.
    void stopAccepting();

    /// Graceful end: every session reads what is already queued and closes with `reason`.
    void finishSessions(const QString &reason, bool finalRead);

    /// Closes the port's shared file (split=port); called once every session has finished.
    void closeFiles();

    /// Open connections, including those in a TLS handshake.
    int activeSessions() const;
    void tick(double seconds);
    PortStats stats() const;
    PortSummary summary() const;
    void appendOpenConnections(QList<ConnectionInfo> *out) const;
    /// The port's files (open files, rotation, --max-files).
    PortFiles *files() const { return m_files; }

Q_SIGNALS:
    /// A session ended; the engine counts these to know when a drain is complete.
    void sessionFinished();

private:
    /// Stops or resumes reading on every connection (--min-free-space).
    void setReadingPaused(bool paused);
    void accept(int fd);
    /// Takes the connection `fd` from `origin` (its peer, or the client of its PROXY header):
    /// --allow, the limits, then a TLS handshake or a session.
    void admit(int fd, const ConnectionOrigin &origin);
    /// TLS: the handshake of connection `id` succeeded; it gets its file and session now.
    void onHandshakeDone(QSslSocket *socket, quint64 id, const ConnectionOrigin &origin);
    void adoptSession(Session *session);
    void onSessionWaitingForFile(Session *session, const QString &reason);
    void onSessionFileUnavailable(Session *session, const QString &reason);
    void onSessionWriteFailed(Session *session, const QString &reason);
    void onSessionFinished(Session *session);
    void updateState();

    quint16 m_port;
    const CaptureSettings &m_settings;
    RunParts m_parts;
    RefusalLog *m_refusalLog; ///< refusals and failed handshakes, at most a line a second
    std::unique_ptr<Admission> m_admission;
    std::vector<Session *> m_sessions;
    PortFiles *m_files;           ///< the port's file series, naming, --max-files
    HeldConnections *m_held;      ///< connections waiting for a descriptor, accepting held
    TlsHandshakes *m_handshakes;  ///< TLS connections not yet through their handshake
    ProxyHeaders *m_proxyHeaders; ///< --proxy-protocol: connections whose header is awaited
    AcceptServer *m_server = nullptr;
    PortStats m_stats;
    quint64 m_bytesAtLastTick = 0;
    quint64 m_closedBytesReceived = 0;
    quint64 m_closedBytesWritten = 0;
};

} // namespace capture
