#include "core/remote/remotereceiver.h"

#include "core/net/address.h"
#include "core/remote/statusparse.h"

#include <QCoreApplication>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

QJsonObject jsonObject(const QByteArray &bytes)
{
    return QJsonDocument::fromJson(bytes).object();
}

int httpStatus(const QNetworkReply *reply)
{
    return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

} // namespace

RemoteReceiver::RemoteReceiver(const QUrl &url, const QByteArray &token,
                               const QList<QSslCertificate> &caCertificates, QObject *parent)
    : Receiver(parent)
    , m_url(url.adjusted(QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment))
    , m_token(token)
    , m_network(new QNetworkAccessManager(this))
{
    if (m_url.scheme() == u"https") {
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        if (!caCertificates.isEmpty())
            ssl.addCaCertificates(caCertificates);
        m_ssl = ssl;
    }
    m_pollTimer.setInterval(pollIntervalMs);
    connect(&m_pollTimer, &QTimer::timeout, this, &RemoteReceiver::poll);
    m_eventsRetry.setSingleShot(true);
    connect(&m_eventsRetry, &QTimer::timeout, this, &RemoteReceiver::openEvents);
}

RemoteReceiver::~RemoteReceiver()
{
    // The manager aborts and deletes its replies after this object is gone: no call back.
    const QList<QNetworkReply *> replies = m_network->findChildren<QNetworkReply *>();
    for (QNetworkReply *reply : replies)
        reply->disconnect(this);
}

void RemoteReceiver::connectToReceiver()
{
    poll();
    openEvents();
    m_pollTimer.start();
}

QNetworkRequest RemoteReceiver::request(const QString &path, int timeoutMs) const
{
    QUrl url = m_url;
    url.setPath(path);
    QNetworkRequest r(url);
    r.setTransferTimeout(timeoutMs);
    r.setAttribute(QNetworkRequest::Http2AllowedAttribute, false); // the receiver speaks 1.1
    r.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    r.setHeader(QNetworkRequest::UserAgentHeader,
                u"capture-receiver/%1"_s.arg(QCoreApplication::applicationVersion()));
    if (m_ssl)
        r.setSslConfiguration(*m_ssl);
    return r;
}

// ---- /status, four times a second

void RemoteReceiver::poll()
{
    if (m_statusReply)
        return; // one at a time: a slow receiver is not asked again until it answered
    m_statusReply = m_network->get(request(u"/status"_s, statusTimeoutMs));
    m_stateSerialAtPoll = m_stateSerial;
    QNetworkReply *reply = m_statusReply;
    connect(reply, &QNetworkReply::finished, this, [this, reply] { onStatusReply(reply); });
}

void RemoteReceiver::onStatusReply(QNetworkReply *reply)
{
    reply->deleteLater();
    if (m_statusReply == reply)
        m_statusReply = nullptr;
    if (reply->error() != QNetworkReply::NoError) {
        setConnectionState(ConnectionState::Lost, reply->errorString());
        return;
    }
    QString error;
    const std::optional<RemoteStatus> status = parseStatus(reply->readAll(), &error);
    if (!status) {
        setConnectionState(ConnectionState::Lost, error);
        return;
    }
    touch();
    if (!m_instance.isEmpty() && !status->instance.isEmpty() && status->instance != m_instance)
        noticeRestart(tr("another process answers"));
    else if (m_uptimeSeconds >= 0 && status->uptimeSeconds < m_uptimeSeconds)
        noticeRestart(tr("its uptime went back from %1 s to %2 s")
                          .arg(m_uptimeSeconds, 0, 'f', 1)
                          .arg(status->uptimeSeconds, 0, 'f', 1));
    m_uptimeSeconds = status->uptimeSeconds;
    m_instance = status->instance;
    m_version = status->version;
    m_settings = status->settings;
    m_snapshot = status->snapshot;
    m_haveStatus = true;
    setControlFlags(status->control, m_tokenRefused);
    if (status->control && !m_token.isEmpty() && !m_tokenChecked)
        checkToken();
    // An event that moved the state or run since this request was sent is newer than its
    // answer.
    if (m_stateSerialAtPoll == m_stateSerial) {
        m_runNumber = status->runNumber;
        setState(status->state);
    }
    setConnectionState(ConnectionState::Connected);
    Q_EMIT m_events.statsUpdated(m_snapshot);
}

// ---- /events

void RemoteReceiver::openEvents()
{
    m_eventsRetry.stop();
    if (m_eventsReply) {
        m_eventsReply->disconnect(this);
        m_eventsReply->abort();
        m_eventsReply->deleteLater();
    }
    m_sse.resetStream();
    m_streamHadEvent = false;
    QNetworkRequest r = request(u"/events"_s, eventsTimeoutMs);
    r.setRawHeader("Accept", "text/event-stream");
    if (m_lastEventId)
        r.setRawHeader("Last-Event-ID", QByteArray::number(*m_lastEventId));
    m_eventsReply = m_network->get(r);
    connect(m_eventsReply, &QNetworkReply::readyRead, this, &RemoteReceiver::onEventsData);
    connect(m_eventsReply, &QNetworkReply::finished, this, &RemoteReceiver::onEventsFinished);
}

void RemoteReceiver::onEventsData()
{
    QNetworkReply *reply = m_eventsReply;
    if (!reply || httpStatus(reply) != 200)
        return;               // a refusal (503: too many event clients): its body is no stream
    m_retryMs = firstRetryMs; // it answered: the next drop is retried soon again
    touch();
    const QList<SseParser::Event> events = m_sse.feed(reply->readAll());
    for (const SseParser::Event &event : events) {
        handleEvent(event);
        if (reply != m_eventsReply)
            return; // a restart reopened the stream
    }
}

void RemoteReceiver::onEventsFinished()
{
    if (m_eventsReply) {
        m_eventsReply->deleteLater();
        m_eventsReply = nullptr;
    }
    m_eventsRetry.start(m_retryMs);
    m_retryMs = std::min(m_retryMs * 2, maxRetryMs);
}

void RemoteReceiver::handleEvent(const SseParser::Event &event)
{
    if (event.hasId) {
        bool ok = false;
        const quint64 id = event.id.toULongLong(&ok);
        if (ok) {
            // Within one stream the ids grow; the first after a reconnect follows the
            // Last-Event-ID sent, unless another process answers now.
            if (!m_streamHadEvent && m_lastEventId.value_or(0) > 0 && id <= *m_lastEventId) {
                noticeRestart(tr("its event ids began anew"));
                poll();
                return; // the new stream brings this event again, after those before it
            }
            m_streamHadEvent = true;
            m_lastEventId = id;
        }
    }
    const QJsonObject data = jsonObject(event.data);
    if (event.type == u"gap") {
        const qint64 lost = qint64(data.value("lost"_L1).toDouble());
        Q_EMIT m_events.warningRaised(tr("%1 events were missed while disconnected from %2")
                                          .arg(lost)
                                          .arg(m_url.toDisplayString()));
        return;
    }
    dispatch(event.type, data);
}

void RemoteReceiver::dispatch(const QString &kind, const QJsonObject &data)
{
    CaptureEvents &e = m_events;
    if (kind == u"stats") {
        return; // /status, four times a second, has these and more
    } else if (kind == u"started") {
        QList<quint16> ports;
        for (const QJsonValue &port : data.value("ports"_L1).toArray())
            ports.append(quint16(port.toInt()));
        m_settings.ports = ports;
        if (const auto bind = parseBindAddress(data.value("bind"_L1).toString()))
            m_settings.bindAddress = *bind;
        m_settings.outputDir = data.value("output"_L1).toString(m_settings.outputDir);
        m_runNumber = qint64(data.value("run_number"_L1).toDouble(double(m_runNumber)));
        setStateFromEvent(RunState::Running);
        Q_EMIT e.started();
    } else if (kind == u"listening") {
        ConnectionInfo where;
        readPeer(data.value("address"_L1).toString(), &where);
        Q_EMIT e.listening(where.peerAddress, quint16(data.value("port"_L1).toInt()));
    } else if (kind == u"listen_failed" || kind == u"start_failed") {
        QList<ListenFailure> failures;
        const QString reason = data.value("reason"_L1).toString();
        if (kind == u"listen_failed")
            failures.append({quint16(data.value("port"_L1).toInt()), reason});
        setStateFromEvent(RunState::Failed);
        Q_EMIT e.startFailed(failures, failures.isEmpty() ? reason : QString());
    } else if (kind == u"connection_opened") {
        Q_EMIT e.connectionOpened(connectionFromEventJson(data, false));
    } else if (kind == u"connection_closed") {
        Q_EMIT e.connectionClosed(connectionFromEventJson(data, true));
    } else if (kind.startsWith(u"file_") || kind == u"write_error") {
        FileInfo file = fileFromEventJson(kind, data);
        file.name = QDir(m_settings.outputDir).relativeFilePath(file.path);
        if (kind == u"file_opened")
            Q_EMIT e.fileOpened(file);
        else if (kind == u"file_closed")
            Q_EMIT e.fileClosed(file);
        else if (kind == u"file_deleted")
            Q_EMIT e.fileDeleted(file);
        else if (kind == u"file_lost")
            Q_EMIT e.fileLost(file);
        else if (kind == u"write_error")
            Q_EMIT e.writeFailed(file);
    } else if (kind == u"warning") {
        Q_EMIT e.warningRaised(data.value("message"_L1).toString());
    } else if (kind == u"error") {
        Q_EMIT e.errorRaised(data.value("message"_L1).toString());
    } else if (kind == u"drain_started") {
        setStateFromEvent(RunState::Stopping);
        Q_EMIT e.drainStarted(data.value("connections"_L1).toInt(),
                              data.value("timeout_ms"_L1).toInt());
    } else if (kind == u"new_run") {
        const qint64 run = qint64(data.value("run_number"_L1).toDouble());
        const qint64 previous = qint64(data.value("previous"_L1).toDouble(double(m_runNumber)));
        m_runNumber = run;
        ++m_stateSerial;
        Q_EMIT e.runChanged(run, previous);
    } else if (kind == u"hook_finished") {
        Q_EMIT e.hookFinished(hookResultFromJson(data));
    } else if (kind == u"stopped") {
        const StopSummary summary = stopSummaryFromJson(data);
        m_runNumber = summary.runNumber;
        setStateFromEvent(RunState::Idle);
        Q_EMIT e.stopped(summary);
    }
}

// ---- state

void RemoteReceiver::setConnectionState(ConnectionState state, const QString &why)
{
    if (state == m_connectionState)
        return;
    const ConnectionState previous = m_connectionState;
    m_connectionState = state;
    if (state == ConnectionState::Lost)
        Q_EMIT m_events.warningRaised(
            tr("lost the connection to %1: %2").arg(m_url.toDisplayString(), why));
    if (state == ConnectionState::Connected && previous == ConnectionState::Lost &&
        m_eventsRetry.isActive())
        openEvents(); // it answers again: follow its events now, not after the backoff
    Q_EMIT connectionStateChanged(state);
}

void RemoteReceiver::setState(RunState state)
{
    if (state == m_state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void RemoteReceiver::setStateFromEvent(RunState state)
{
    ++m_stateSerial;
    setState(state);
}

void RemoteReceiver::noticeRestart(const QString &why)
{
    m_uptimeSeconds = -1;
    m_instance.clear();
    m_lastEventId = 0;
    m_tokenChecked = false;
    Q_EMIT m_events.warningRaised(tr("the receiver at %1 restarted (%2); its state was reloaded")
                                      .arg(m_url.toDisplayString(), why));
    Q_EMIT restarted();
    openEvents();
}

void RemoteReceiver::touch()
{
    m_lastContact = QDateTime::currentDateTime();
}

} // namespace capture
