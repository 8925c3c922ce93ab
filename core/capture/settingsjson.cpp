#include "core/capture/settingsjson.h"

#include "core/capture/nametemplate.h"
#include "core/net/portspec.h"

#include <QDir>
#include <QJsonArray>
#include <QSslConfiguration>
#include <QSslSocket>

using namespace Qt::Literals::StringLiterals;

namespace capture {

QJsonObject settingsJson(const CaptureSettings &s)
{
    const auto networks = [](const QList<std::pair<QHostAddress, int>> &list) {
        QJsonArray out;
        for (const auto &subnet : list)
            out.append(allowEntryText(subnet));
        return out;
    };
    QJsonObject object{
        {u"bind"_s, bindAddressText(s.bindAddress)},
        {u"ports"_s, formatPortSpec(s.ports)},
        {u"output"_s, QDir(s.outputDir).absolutePath()},
        {u"done_dir"_s, s.doneDir.isEmpty() ? QJsonValue() : QDir(s.doneDir).absolutePath()},
        {u"split"_s, splitModeName(s.split)},
        {u"run_number"_s, s.run},
        {u"name_template"_s,
         s.nameTemplate.isEmpty() ? NameTemplate::defaultText(s.split) : s.nameTemplate},
        {u"hash"_s, hashAlgorithmName(s.hash)},
        {u"rotate_size"_s, qint64(s.rotateSize)},
        {u"rotate_interval_s"_s, s.rotateIntervalSec},
        {u"max_files"_s, s.maxFiles},
        {u"on_file_closed"_s, s.onFileClosed.isEmpty() ? QJsonValue() : QJsonValue(s.onFileClosed)},
        {u"hook_jobs"_s, s.hookJobs},
        {u"hook_queue"_s, s.hookQueue},
        {u"hook_timeout_s"_s, s.hookTimeoutSec},
        {u"stop_after_s"_s, s.stopAfterSec},
        {u"stop_after_bytes"_s, qint64(s.stopAfterBytes)},
        {u"stop_after_files"_s, s.stopAfterFiles},
        {u"drain_timeout_ms"_s, s.drainTimeoutMs},
        {u"allow"_s, networks(s.allow)},
        {u"proxy_protocol"_s, s.proxyProtocol},
        {u"proxy_from"_s, networks(s.proxyFrom)},
        {u"max_connections"_s, s.maxConnections},
        {u"max_connections_per_port"_s, s.maxConnectionsPerPort},
        {u"idle_timeout_ms"_s, s.idleTimeoutMs},
        {u"min_free_space"_s, qint64(s.minFreeSpace)},
        {u"tls"_s, bool(s.tls)},
        {u"tls_client_certificates"_s, s.tls && s.tls->peerVerifyMode() == QSslSocket::VerifyPeer}};
    if (!s.udpPorts.isEmpty()) {
        object.insert(u"udp_ports"_s, formatPortSpec(s.udpPorts));
        object.insert(u"udp_format"_s, udpFormatName(s.udpFormat));
        object.insert(u"udp_buffer"_s, s.udpBufferSize);
    }
    return object;
}

} // namespace capture
