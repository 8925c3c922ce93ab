#include "capturetypes.h"

#include "capturesettings.h"
#include "filenaming.h"

namespace capture {

QString ConnectionInfo::peerText() const
{
    return FileNaming::endpointText(peerAddress, peerPort);
}

qint64 ConnectionInfo::durationMs() const
{
    const QDateTime end = closed.isValid() ? closed : QDateTime::currentDateTime();
    return opened.isValid() ? opened.msecsTo(end) : 0;
}

void registerCaptureMetaTypes()
{
    qRegisterMetaType<CaptureSettings>();
    qRegisterMetaType<PortStats>();
    qRegisterMetaType<ConnectionInfo>();
    qRegisterMetaType<FileInfo>();
    qRegisterMetaType<StatsSnapshot>();
    qRegisterMetaType<ListenFailure>();
    qRegisterMetaType<QList<capture::ListenFailure>>();
    qRegisterMetaType<StopSummary>();
}

} // namespace capture
