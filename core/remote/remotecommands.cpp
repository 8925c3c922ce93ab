#include "core/remote/remotereceiver.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>

using namespace Qt::Literals::StringLiterals;

// RemoteReceiver's commands: the control API under /api/, with the token as Bearer.

namespace capture {

QString RemoteReceiver::controlUnavailableReason() const
{
    if (m_token.isEmpty())
        return tr("no control token was given (the receiver's --control-token-file token)");
    if (m_haveStatus && !m_remoteControl)
        return tr("the receiver's control API is off (it runs without --control-token-file)");
    if (m_tokenRefused)
        return tr("the receiver refused the token");
    return {};
}

void RemoteReceiver::start(const CaptureSettings &)
{
    post(tr("start"), u"/api/capture/start"_s, {});
}

void RemoteReceiver::stop()
{
    post(tr("stop"), u"/api/capture/stop"_s, {});
}

void RemoteReceiver::abort()
{
    stop();
}

void RemoteReceiver::rotate()
{
    post(tr("rotate"), u"/api/capture/rotate"_s, {});
}

void RemoteReceiver::newRun()
{
    setRunAs(tr("new run"), m_runNumber + 1);
}

void RemoteReceiver::setRun(qint64 run)
{
    setRunAs(tr("set run"), run);
}

void RemoteReceiver::setRunAs(const QString &action, qint64 run)
{
    post(action, u"/api/run"_s, QJsonDocument(QJsonObject{{u"run"_s, run}}).toJson());
}

void RemoteReceiver::checkToken()
{
    // A body the API refuses (400) once the token is right, and changes nothing: a wrong
    // token shows at once (401), not at the first command.
    m_tokenChecked = true;
    post({}, u"/api/run"_s, "{}");
}

void RemoteReceiver::post(const QString &action, const QString &path, const QByteArray &body)
{
    if (m_token.isEmpty()) {
        fail(action, controlUnavailableReason());
        return;
    }
    QNetworkRequest r = request(path, commandTimeoutMs);
    r.setRawHeader("Authorization", "Bearer " + m_token);
    r.setHeader(QNetworkRequest::ContentTypeHeader, u"application/json"_s);
    QNetworkReply *reply = m_network->post(r, body);
    connect(reply, &QNetworkReply::finished, this,
            [this, action, reply] { onCommandReply(action, reply); });
}

void RemoteReceiver::onCommandReply(const QString &action, QNetworkReply *reply)
{
    reply->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray body = reply->readAll();
    if (status == 0) { // no answer at all
        if (!action.isEmpty())
            fail(action, reply->errorString());
        return;
    }
    touch();
    const QJsonObject answer = QJsonDocument::fromJson(body).object();
    const bool probe = action.isEmpty();
    if (status == 401) {
        const bool wasRefused = m_tokenRefused;
        setControlFlags(m_remoteControl, true);
        const QString why = answer.value("error"_L1).toString(reply->errorString());
        if (probe && !wasRefused)
            Q_EMIT m_events.warningRaised(tr("%1 refused the control token (HTTP 401: %2)")
                                              .arg(m_url.toDisplayString(), why));
        if (!probe)
            fail(action, tr("HTTP 401: %1").arg(why));
        return;
    }
    const bool accepted = (status >= 200 && status < 300) || (probe && status == 400);
    if (accepted) {
        setControlFlags(m_remoteControl, false);
        poll(); // the view follows the receiver's own figures and events
        return;
    }
    if (probe) {
        if (status == 404)
            setControlFlags(false, m_tokenRefused);
        return;
    }
    fail(
        action,
        tr("HTTP %1: %2").arg(status).arg(answer.value("error"_L1).toString(reply->errorString())));
}

void RemoteReceiver::fail(const QString &action, const QString &reason)
{
    Q_EMIT commandFailed(action, reason);
    Q_EMIT m_events.warningRaised(
        tr("%1 on %2 failed: %3").arg(action, m_url.toDisplayString(), reason));
}

void RemoteReceiver::setControlFlags(bool remoteControl, bool tokenRefused)
{
    if (remoteControl == m_remoteControl && tokenRefused == m_tokenRefused)
        return;
    m_remoteControl = remoteControl;
    m_tokenRefused = tokenRefused;
    Q_EMIT controlAvailabilityChanged();
}

} // namespace capture
