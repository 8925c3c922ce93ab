#include "core/capture/capturetypes.h"

#include "core/capture/capturesettings.h"
#include "core/net/address.h"

namespace capture {

QString ConnectionInfo::peerText() const
{
    return endpointText(peerAddress, peerPort);
}

namespace {
QString viaText(const QString &peer, const QString &via)
{
    return via.isEmpty() ? peer : peer + u" via " + via;
}
} // namespace

QString ConnectionInfo::peerViaText() const
{
    return viaText(peerText(), via);
}

QString ConnectionOrigin::text() const
{
    return viaText(endpointText(address, port), via);
}

void addPort(StatsSnapshot *snapshot, const PortStats &port)
{
    snapshot->ports.append(port);
    snapshot->totalBytes += port.bytes;
    snapshot->totalRate += port.rate;
    snapshot->activeConnections += port.activeConnections;
    snapshot->totalConnections += port.totalConnections;
    snapshot->refusedNotAllowed += port.refusedNotAllowed;
    snapshot->refusedOverLimit += port.refusedOverLimit;
    snapshot->idleClosed += port.idleClosed;
    snapshot->tlsFailed += port.tlsFailed;
    snapshot->emptyConnections += port.emptyConnections;
    snapshot->refusedProxyUntrusted += port.refusedProxyUntrusted;
    snapshot->proxyFailed += port.proxyFailed;
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

QString protocolName(PortStats::Protocol protocol)
{
    return protocol == PortStats::Protocol::Udp ? QStringLiteral("udp") : QStringLiteral("tcp");
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
