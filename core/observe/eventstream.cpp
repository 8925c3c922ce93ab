#include "core/observe/eventstream.h"

#include "core/capture/receiver.h"
#include "core/manifest/manifest.h"
#include "core/net/address.h"
#include "core/observe/statsjson.h"
#include "core/util/fdio.h"
#include "core/util/jsonline.h"
#include "core/util/syserror.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

QJsonObject connectionFields(const ConnectionInfo &info)
{
    return {{u"id"_s, qint64(info.id)},
            {u"port"_s, info.localPort},
            {u"peer"_s, info.peerText()},
            // null while it has sent nothing: its file is made with its first byte
            {u"file"_s, stringOrNull(info.file)}};
}

QJsonObject fileFields(const FileInfo &info)
{
    return {{u"file"_s, info.path}, {u"port"_s, info.port}, {u"run_number"_s, info.runNumber}};
}

} // namespace

EventStream::EventStream(QObject *parent)
    : QObject(parent)
{
    connect(&m_statsTimer, &QTimer::timeout, this, &EventStream::emitStats);
}

EventStream::~EventStream()
{
    if (m_ownsFd && m_fd >= 0)
        ::close(m_fd);
}

bool EventStream::open(const QString &path, QString *error)
{
    m_path = path;
    if (path == u"-") {
        m_fd = STDOUT_FILENO;
        return true;
    }
    const QByteArray encoded = QFile::encodeName(path);
    m_fd = ::open(encoded.constData(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (m_fd < 0) {
        *error = u"cannot open events file '%1': %2"_s.arg(path, systemErrorString(errno));
        return false;
    }
    m_ownsFd = true;
    return true;
}

void EventStream::attach(Receiver *receiver, int statsIntervalMs)
{
    m_receiver = receiver;
    using C = CaptureEvents;
    const CaptureEvents *events = receiver->events();
    if (statsIntervalMs > 0)
        m_statsTimer.setInterval(statsIntervalMs);
    connect(events, &C::started, this, [this, statsIntervalMs] {
        const CaptureSettings s = m_receiver->settings();
        QJsonArray ports;
        for (const quint16 port : s.ports)
            ports.append(port);
        emitEvent(u"started"_s, {{u"bind"_s, bindAddressText(s.bindAddress)},
                                 {u"ports"_s, ports},
                                 {u"output"_s, QDir(s.outputDir).absolutePath()},
                                 {u"split"_s, splitModeName(s.split)},
                                 {u"hash"_s, hashAlgorithmName(s.hash)}});
        if (statsIntervalMs > 0)
            m_statsTimer.start();
    });
    connect(events, &C::listening, this, [this](const QHostAddress &address, quint16 port) {
        emitEvent(u"listening"_s, {{u"address"_s, endpointText(address, port)}, {u"port"_s, port}});
    });
    connect(events, &C::listeningUdp, this, [this](const QHostAddress &address, quint16 port) {
        emitEvent(u"listening"_s, {{u"address"_s, endpointText(address, port)},
                                   {u"port"_s, port},
                                   {u"protocol"_s, u"udp"_s}});
    });
    connect(events, &C::startFailed, this,
            [this](const QList<ListenFailure> &failures, const QString &reason) {
                for (const ListenFailure &failure : failures)
                    emitEvent(u"listen_failed"_s,
                              {{u"port"_s, failure.port}, {u"reason"_s, failure.reason}});
                if (!reason.isEmpty())
                    emitEvent(u"start_failed"_s, {{u"reason"_s, reason}});
            });
    connect(events, &C::connectionOpened, this, [this](const ConnectionInfo &info) {
        QJsonObject fields = connectionFields(info);
        fields.insert(u"opened"_s, manifestTime(info.opened));
        if (!info.tlsSubject.isEmpty())
            fields.insert(u"tls_subject"_s, info.tlsSubject);
        if (!info.via.isEmpty())
            fields.insert(u"via"_s, info.via);
        emitEvent(u"connection_opened"_s, fields);
    });
    connect(events, &C::connectionClosed, this, [this](const ConnectionInfo &info) {
        QJsonObject fields = connectionFields(info);
        fields.insert(u"reason"_s, info.closeReason);
        fields.insert(u"bytes_received"_s, qint64(info.bytesReceived));
        fields.insert(u"bytes_written"_s, qint64(info.bytesWritten));
        fields.insert(u"duration_ms"_s, info.durationMs());
        emitEvent(u"connection_closed"_s, fields);
    });
    connect(events, &C::fileOpened, this,
            [this](const FileInfo &info) { emitEvent(u"file_opened"_s, fileFields(info)); });
    // What a closed or lost file holds: its size and digest.
    const auto contentFields = [](const FileInfo &info) {
        QJsonObject fields = fileFields(info);
        fields.insert(u"bytes"_s, qint64(info.bytes));
        insertDigest(&fields, info.digest);
        return fields;
    };
    connect(events, &C::fileClosed, this, [this, contentFields](const FileInfo &info) {
        QJsonObject fields = contentFields(info);
        fields.insert(u"reason"_s, info.closeReason);
        fields.insert(u"state"_s, fileStateName(info.state));
        emitEvent(u"file_closed"_s, fields);
    });
    connect(events, &C::fileDeleted, this,
            [this](const FileInfo &info) { emitEvent(u"file_deleted"_s, fileFields(info)); });
    connect(events, &C::fileLost, this, [this, contentFields](const FileInfo &info) {
        QJsonObject fields = contentFields(info);
        fields.insert(u"reason"_s, info.error);
        emitEvent(u"file_lost"_s, fields);
    });
    connect(events, &C::writeFailed, this, [this](const FileInfo &info) {
        QJsonObject fields = fileFields(info);
        fields.insert(u"error"_s, info.error);
        fields.insert(u"bytes"_s, qint64(info.bytes));
        emitEvent(u"write_error"_s, fields);
    });
    connect(events, &C::warningRaised, this, [this](const QString &message) {
        emitEvent(u"warning"_s, {{u"message"_s, message}});
    });
    connect(events, &C::errorRaised, this, [this](const QString &message) {
        emitEvent(u"error"_s, {{u"message"_s, message}});
    });
    connect(events, &C::drainStarted, this, [this](int open, int timeoutMs) {
        emitEvent(u"drain_started"_s, {{u"connections"_s, open}, {u"timeout_ms"_s, timeoutMs}});
    });
    connect(events, &C::runChanged, this, [this](qint64 run, qint64 previous) {
        emitEvent(u"new_run"_s, {{u"run_number"_s, run}, {u"previous"_s, previous}});
    });
    connect(events, &C::hookFinished, this, [this](const HookResult &result) {
        emitEvent(u"hook_finished"_s, hookResultJson(result));
    });
    // The last files' commands end after the stop: the figures once all of them have.
    connect(events, &C::hooksIdle, this, [this] {
        if (!m_receiver->isActive())
            emitStats();
    });
    connect(events, &C::stopped, this, [this](const StopSummary &summary) {
        m_statsTimer.stop();
        emitStats(); // the final figures
        emitEvent(u"stopped"_s, stopSummaryJson(summary));
    });
}

void EventStream::emitStats()
{
    const StatsSnapshot last = m_receiver->lastSnapshot();
    QJsonArray ports;
    for (const PortStats &p : std::as_const(last.ports))
        ports.append(portStatsJson(p));
    QJsonObject total = totalsJson(last);
    total.insert(u"reading_paused"_s, last.pausedForSpace);
    emitEvent(u"stats"_s, {{u"ports"_s, ports}, {u"total"_s, total}});
}

void EventStream::emitEvent(const QString &kind, QJsonObject fields)
{
    fields.insert(u"time"_s, manifestTime(QDateTime::currentDateTime()));
    fields.insert(u"event"_s, kind);
    if (!fields.contains(u"run_number"_s))
        fields.insert(u"run_number"_s, m_receiver->runNumber());
    const QByteArray line = jsonLine(fields);
    Q_EMIT eventProduced(kind, line.chopped(1));
    if (m_fd < 0)
        return;
    const WriteResult result = writeAll(m_fd, line.constData(), size_t(line.size()));
    if (!result.wroteAll && m_writeErrors++ == 0)
        qWarning("cannot write to the events file %s: %s", qPrintable(m_path),
                 qPrintable(systemErrorString(result.error != 0 ? result.error : ENOSPC)));
}

} // namespace capture
