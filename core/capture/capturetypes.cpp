#include "core/capture/capturetypes.h"

#include "core/capture/capturesettings.h"
#include "core/net/address.h"

namespace capture {

QString ConnectionInfo::peerText() const
{
    return endpointText(peerAddress, peerPort);
}

QString ConnectionInfo::peerViaText() const
{
    return via.isEmpty() ? peerText() : peerText() + u" via " + via;
}

QString ConnectionOrigin::text() const
{
    const QString peer = endpointText(address, port);
    return via.isEmpty() ? peer : peer + u" via " + via;
}

qint64 ConnectionInfo::durationMs() const
{
    const QDateTime end = closed.isValid() ? closed : QDateTime::currentDateTime();
    return opened.isValid() ? opened.msecsTo(end) : 0;
}

QString portStateName(PortStats::State state)
{
    switch (state) {
    case PortStats::State::Listening:
        return QStringLiteral("listening");
    case PortStats::State::Receiving:
        return QStringLiteral("receiving");
    case PortStats::State::Error:
        return QStringLiteral("error");
    case PortStats::State::Closed:
        return QStringLiteral("closed");
    }
    return {};
}

QString fileStateName(FileInfo::State state)
{
    switch (state) {
    case FileInfo::State::Writing:
        return QStringLiteral("writing");
    case FileInfo::State::Closed:
        return QStringLiteral("closed");
    case FileInfo::State::Error:
        return QStringLiteral("error");
    case FileInfo::State::Deleted:
        return QStringLiteral("deleted");
    case FileInfo::State::Lost:
        return QStringLiteral("lost");
    }
    return {};
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
    qRegisterMetaType<HookResult>();
}

QString HookResult::outcome() const
{
    if (!error.isEmpty())
        return error;
    return exitedNormally ? QStringLiteral("exit status %1").arg(exitCode)
                          : QStringLiteral("crashed");
}

} // namespace capture
