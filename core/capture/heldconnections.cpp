#include "core/capture/heldconnections.h"

#include "core/capture/filesink.h"
#include "core/capture/session.h"
#include "core/util/processlimits.h"

#include <QPointer>
#include <QTimer>

#include <algorithm>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {
constexpr int heldRetryMs = 100;
} // namespace

HeldConnections::HeldConnections(quint16 port, DescriptorReserve &spareDescriptor, QObject *parent)
    : QObject(parent)
    , m_port(port)
    , m_spareDescriptor(spareDescriptor)
{}

void HeldConnections::wait(Session *session)
{
    // Out of descriptors for the file: the connection's data waits in the kernel (TCP slows
    // the sender) and accepting pauses until files can be opened again.
    if (m_waiting.empty())
        Q_EMIT warningRaised(u"port %1: out of file descriptors (%2 open files allowed): "
                             "connections wait, unread, and accepting pauses until a file "
                             "can be opened"_s.arg(m_port)
                                 .arg(openFileSoftLimit()));
    if (std::find(m_waiting.begin(), m_waiting.end(), session) == m_waiting.end())
        m_waiting.push_back(session);
    hold();
}

void HeldConnections::hold()
{
    m_short = true;
    Q_EMIT acceptingHeld();
    if (!m_retryTimer) {
        m_retryTimer = new QTimer(this);
        m_retryTimer->setInterval(heldRetryMs);
        connect(m_retryTimer, &QTimer::timeout, this, &HeldConnections::retry);
    }
    m_retryTimer->start();
}

void HeldConnections::retry()
{
    if (!m_short)
        return;
    // The reserve first, from what the last closed connection freed, so that a file can be
    // opened with it even if something else takes the other free descriptors.
    const bool reserved = m_spareDescriptor.reserve();
    // A retry may finish a session (its peer closed, its file failed), which takes it out of
    // m_waiting and deletes it.
    const std::vector<QPointer<Session>> waiting(m_waiting.begin(), m_waiting.end());
    for (const QPointer<Session> &session : waiting) {
        if (!session)
            continue;
        session->retryFile();
        if (session && session->isWaitingForFile())
            return; // still out of descriptors
        remove(session.data());
    }
    // Accepting resumes only with the reserve held: a new socket must never take it.
    if (!reserved && !m_spareDescriptor.reserve())
        return;
    m_short = false;
    if (m_retryTimer)
        m_retryTimer->stop();
    Q_EMIT acceptingResumed();
}

void HeldConnections::remove(Session *session)
{
    if (const auto it = std::find(m_waiting.begin(), m_waiting.end(), session);
        it != m_waiting.end())
        m_waiting.erase(it);
}

void HeldConnections::stop()
{
    retry(); // a session that finished may have freed a descriptor
    if (m_retryTimer)
        m_retryTimer->stop();
    m_waiting.clear(); // those still waiting get one more try in their final read
}

} // namespace capture
