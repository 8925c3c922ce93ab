#include "core/capture/freespacemonitor.h"

#include "core/util/units.h"

#include <QFile>

#include <algorithm>
#include <sys/statvfs.h>

using namespace Qt::Literals::StringLiterals;

namespace capture {

FreeSpaceMonitor::FreeSpaceMonitor(const QString &outputDir, quint64 minimum, QObject *parent)
    : QObject(parent)
    , m_outputDir(outputDir)
    , m_minimum(minimum)
{}

void FreeSpaceMonitor::check()
{
    m_writtenSinceCheck = 0;
    struct statvfs fs
    {};
    if (m_minimum == 0 || ::statvfs(QFile::encodeName(m_outputDir).constData(), &fs) != 0)
        return;
    const quint64 free = quint64(fs.f_bavail) * quint64(fs.f_frsize);
    const bool pause = free < m_minimum;
    if (pause == m_paused)
        return;
    m_paused = pause;
    Q_EMIT pausedChanged(pause);
    Q_EMIT warningRaised(
        pause ? u"output volume has %1 free, less than --min-free-space %2: reading paused "
                "(senders are slowed by TCP; nothing is dropped)"_s.arg(formatBytes(free),
                                                                        formatBytes(m_minimum))
              : u"output volume has %1 free again: reading resumed"_s.arg(formatBytes(free)));
}

void FreeSpaceMonitor::noteWritten(quint64 bytes)
{
    if (m_minimum == 0)
        return;
    const quint64 every = std::clamp<quint64>(m_minimum / 4, 1 << 20, 64 << 20);
    m_writtenSinceCheck += bytes;
    if (m_writtenSinceCheck >= every)
        check();
}

} // namespace capture
