#include "core/observe/statsjson.h"

#include "core/manifest/record.h"

#include <QJsonArray>

#include <type_traits>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {
// A UDP port's counts (--udp-ports), in its stats and its summary; a TCP port's JSON stays as
// it was.
template<typename Port> void insertUdp(QJsonObject *o, const Port &p)
{
    if (p.protocol != PortStats::Protocol::Udp)
        return;
    o->insert(u"protocol"_s, protocolName(p.protocol));
    o->insert(u"datagrams"_s, qint64(p.datagrams));
    o->insert(u"udp_dropped"_s, qint64(p.udpDropped));
    o->insert(u"udp_truncated"_s, qint64(p.udpTruncated));
    if constexpr (std::is_same_v<Port, PortStats>)
        o->insert(u"datagram_rate"_s, p.datagramRate);
}
} // namespace

QJsonObject portStatsJson(const PortStats &p)
{
    QJsonObject o{{u"port"_s, p.port},
                  {u"state"_s, portStateName(p.state)},
                  {u"connections"_s, p.activeConnections},
                  {u"connections_total"_s, qint64(p.totalConnections)},
                  {u"bytes"_s, qint64(p.bytes)},
                  {u"rate"_s, p.rate},
                  {u"files"_s, p.files},
                  {u"refused_not_allowed"_s, qint64(p.refusedNotAllowed)},
                  {u"refused_over_limit"_s, qint64(p.refusedOverLimit)},
                  {u"idle_closed"_s, qint64(p.idleClosed)},
                  {u"tls_failed"_s, qint64(p.tlsFailed)},
                  {u"connections_empty"_s, qint64(p.emptyConnections)},
                  {u"refused_proxy_untrusted"_s, qint64(p.refusedProxyUntrusted)},
                  {u"proxy_failed"_s, qint64(p.proxyFailed)}};
    insertUdp(&o, p);
    return o;
}

QJsonObject portStatusJson(const PortStats &p)
{
    QJsonObject o = portStatsJson(p);
    o.insert(u"current_file"_s, p.currentFile);
    if (!p.error.isEmpty())
        o.insert(u"error"_s, p.error);
    return o;
}

QJsonObject connectionStatusJson(const ConnectionInfo &c)
{
    return {{u"id"_s, qint64(c.id)},
            {u"port"_s, c.localPort},
            {u"peer"_s, c.peerText()},
            {u"opened"_s, manifestTime(c.opened)},
            {u"bytes_received"_s, qint64(c.bytesReceived)},
            {u"bytes_written"_s, qint64(c.bytesWritten)},
            {u"rate"_s, c.rate},
            {u"file"_s, c.file},
            {u"tls_subject"_s, c.tlsSubject},
            {u"via"_s, c.via}};
}

QJsonObject openFileStatusJson(const FileInfo &f)
{
    return {{u"file"_s, f.path},
            {u"port"_s, f.port},
            {u"bytes"_s, qint64(f.bytes)},
            {u"opened"_s, manifestTime(f.opened)}};
}

QJsonObject totalsJson(const StatsSnapshot &s)
{
    return {{u"bytes"_s, qint64(s.totalBytes)},
            {u"rate"_s, s.totalRate},
            {u"connections"_s, s.activeConnections},
            {u"connections_total"_s, qint64(s.totalConnections)},
            {u"files_closed"_s, qint64(s.filesClosed)},
            {u"write_errors"_s, qint64(s.writeErrors)},
            {u"files_lost"_s, qint64(s.filesLost)},
            {u"manifest_errors"_s, qint64(s.manifestErrors)},
            {u"manifest_lines_pending"_s, qint64(s.manifestLinesPending)},
            {u"refused_not_allowed"_s, qint64(s.refusedNotAllowed)},
            {u"refused_over_limit"_s, qint64(s.refusedOverLimit)},
            {u"idle_closed"_s, qint64(s.idleClosed)},
            {u"tls_failed"_s, qint64(s.tlsFailed)},
            {u"connections_empty"_s, qint64(s.emptyConnections)},
            {u"refused_proxy_untrusted"_s, qint64(s.refusedProxyUntrusted)},
            {u"proxy_failed"_s, qint64(s.proxyFailed)},
            {u"run_number"_s, s.runNumber},
            {u"hooks_succeeded"_s, qint64(s.hooksSucceeded)},
            {u"hooks_failed"_s, qint64(s.hooksFailed)},
            {u"hooks_dropped"_s, qint64(s.hooksDropped)},
            {u"hooks_pending"_s, s.hooksPending},
            {u"hand_off_errors"_s, qint64(s.handOffErrors)}};
}

QJsonObject hookResultJson(const HookResult &r)
{
    QJsonObject o{{u"file"_s, r.file},
                  {u"port"_s, r.port},
                  {u"run_number"_s, r.runNumber},
                  {u"ok"_s, r.succeeded()},
                  {u"exit_code"_s, r.exitedNormally ? QJsonValue(r.exitCode) : QJsonValue()},
                  {u"timed_out"_s, r.timedOut},
                  {u"duration_ms"_s, r.durationMs},
                  {u"output"_s, r.output}};
    if (!r.error.isEmpty())
        o.insert(u"error"_s, r.error);
    return o;
}

QJsonObject portSummaryJson(const PortSummary &p)
{
    QJsonObject o{{u"port"_s, p.port},
                  {u"files"_s, p.files},
                  {u"connections"_s, qint64(p.connections)},
                  {u"connections_empty"_s, qint64(p.emptyConnections)},
                  {u"bytes_received"_s, qint64(p.bytesReceived)},
                  {u"bytes_written"_s, qint64(p.bytesWritten)}};
    insertUdp(&o, p);
    return o;
}

QJsonObject stopSummaryJson(const StopSummary &s)
{
    QJsonArray ports;
    for (const PortSummary &p : s.ports)
        ports.append(portSummaryJson(p));
    QJsonObject o{{u"bytes_received"_s, qint64(s.bytesReceived)},
                  {u"bytes_written"_s, qint64(s.bytesWritten)},
                  {u"aborted"_s, s.aborted},
                  {u"drain_timed_out"_s, s.drainTimedOut},
                  {u"manifest_errors"_s, s.manifestErrors},
                  {u"files_lost"_s, qint64(s.filesLost)},
                  {u"left_unread_for_space"_s, s.leftUnreadForSpace},
                  {u"bytes_left_unread"_s, qint64(s.bytesLeftUnread)},
                  {u"uptime_ms"_s, s.uptimeMs},
                  {u"run_number"_s, s.runNumber},
                  {u"hooks_pending"_s, s.hooksPending},
                  {u"ports"_s, ports}};
    if (!s.stopCondition.isEmpty())
        o.insert(u"stop_condition"_s, s.stopCondition);
    return o;
}

} // namespace capture
