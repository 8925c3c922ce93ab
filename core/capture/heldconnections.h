#pragma once

#include <QObject>

#include <vector>

class QTimer;

namespace capture {

class DescriptorReserve;
class Session;

/// Out of descriptors: connections whose data wait in the kernel for a file, and accepting
/// held meanwhile. Retries every 100 ms (and when a connection closes); accepting resumes once
/// none waits and the reserve descriptor is held again, so that a new socket never takes it.
class HeldConnections : public QObject
{
    Q_OBJECT

public:
    HeldConnections(quint16 port, DescriptorReserve &spareDescriptor, QObject *parent = nullptr);

    /// Accepting is held (see hold()).
    bool isShort() const { return m_short; }

    /// `session` has data but no file can be opened for it now: it waits; accepting is held.
    void wait(Session *session);
    /// Holds accepting until descriptors are free (the reserve could not be taken again).
    void hold();
    /// Gives the waiting connections their files when descriptors are free again; resumes
    /// accepting once none waits and the reserve descriptor is held.
    void retry();
    /// `session` is gone.
    void remove(Session *session);
    /// At a stop: no more retries; those still waiting get one more try in their final read.
    void stop();

Q_SIGNALS:
    void acceptingHeld();
    void acceptingResumed();
    void warningRaised(const QString &message);

private:
    quint16 m_port;
    DescriptorReserve &m_spareDescriptor;
    std::vector<Session *> m_waiting;
    QTimer *m_retryTimer = nullptr;
    bool m_short = false;
};

} // namespace capture
