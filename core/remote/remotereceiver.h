#pragma once

#include "core/capture/receiver.h"
#include "core/remote/sseparser.h"

#include <QDateTime>
#include <QJsonObject>
#include <QNetworkRequest>
#include <QPointer>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QTimer>
#include <QUrl>

#include <optional>

class QNetworkAccessManager;
class QNetworkReply;

namespace capture {

/// A receiver elsewhere, seen and driven through its --status port: GET /status four times a
/// second (the state, settings, run number and snapshot), GET /events (each event re-emitted
/// on events() as the signal a local capture would emit) and the control API under /api/ for
/// the commands. All of it with the QNetworkAccessManager of this object's thread, never
/// blocking; every request has a timeout, at most one /status request is in flight, and a
/// dropped event stream is followed again with Last-Event-ID after 0.5 s, doubling to 10 s.
class RemoteReceiver : public Receiver
{
    Q_OBJECT

public:
    /// How the link to the receiver stands: Connecting until its first answer, Connected while
    /// /status answers, Lost once a request failed (it is retried all the time).
    enum class ConnectionState { Connecting, Connected, Lost };
    Q_ENUM(ConnectionState)

    /// `url`: the --status address (http://host:9100 or https://…; a path is ignored).
    /// `token`: the --control-token-file's token (empty: watch only). `caCertificates`: for
    /// https, the CAs the receiver's certificate is checked against besides the system's.
    RemoteReceiver(const QUrl &url, const QByteArray &token,
                   const QList<QSslCertificate> &caCertificates = {}, QObject *parent = nullptr);
    ~RemoteReceiver() override;

    /// Begins polling and following the events (call once, after connecting the signals).
    void connectToReceiver();

    QUrl url() const { return m_url; }
    ConnectionState connectionState() const { return m_connectionState; }
    /// When the receiver last answered (a /status answer or an event); invalid before.
    QDateTime lastContact() const override { return m_lastContact; }
    /// The receiver's version as its /status says.
    QString remoteVersion() const { return m_version; }

    /// Whether commands can be sent: a token was given, the receiver's control API is on and
    /// it has not refused the token. controlUnavailableReason() says why not.
    bool canControl() const override { return controlUnavailableReason().isEmpty(); }
    QString controlUnavailableReason() const override;

    RunState state() const override { return m_state; }
    CaptureSettings settings() const override { return m_settings; }
    StatsSnapshot lastSnapshot() const override { return m_snapshot; }
    qint64 runNumber() const override { return m_runNumber; }
    const CaptureEvents *events() const override { return &m_events; }

    /// Request timeouts: /status and commands' answers, and the event stream's silence (it
    /// has a keep-alive comment every 15 s).
    static constexpr int statusTimeoutMs = 5000;
    static constexpr int commandTimeoutMs = 60000;
    static constexpr int eventsTimeoutMs = 40000;
    static constexpr int pollIntervalMs = 250;
    static constexpr int firstRetryMs = 500;
    static constexpr int maxRetryMs = 10000;

public Q_SLOTS:
    /// POST /api/capture/start: the receiver starts with its own settings (`settings` is not
    /// sent; the API takes none).
    void start(const capture::CaptureSettings &settings) override;
    void stop() override;
    /// The API has no abort: a graceful stop.
    void abort() override;
    void rotate() override;
    /// POST /api/run with the run number after runNumber().
    void newRun() override;
    void setRun(qint64 run) override;

Q_SIGNALS:
    void connectionStateChanged(capture::RemoteReceiver::ConnectionState state);
    /// The receiver's process restarted (its uptime went back, or its event ids began anew):
    /// its state, settings and snapshot were reloaded.
    void restarted();
    /// A command could not be carried out: `action` ("start", "stop", "rotate", "new run"),
    /// `reason` (the receiver's answer with its HTTP status, or the network error).
    void commandFailed(const QString &action, const QString &reason);

private:
    QNetworkRequest request(const QString &path, int timeoutMs) const;
    void poll();
    void onStatusReply(QNetworkReply *reply);
    void openEvents();
    void onEventsData();
    void onEventsFinished();
    void handleEvent(const SseParser::Event &event);
    void dispatch(const QString &kind, const QJsonObject &data);
    void setRunAs(const QString &action, qint64 run);
    void checkToken();
    /// POSTs to the control API; `action` empty: the token check (no failure reported).
    void post(const QString &action, const QString &path, const QByteArray &body);
    void onCommandReply(const QString &action, QNetworkReply *reply);
    void fail(const QString &action, const QString &reason);
    void setConnectionState(ConnectionState state, const QString &why = {});
    void setState(RunState state);
    void setStateFromEvent(RunState state);
    /// Forgets the old process's event ids and uptime, says so, and follows the new process's
    /// events from its first one (Last-Event-ID: 0).
    void noticeRestart(const QString &why);
    void touch();
    void setControlFlags(bool remoteControl, bool tokenRefused);

    QUrl m_url;
    QByteArray m_token;
    std::optional<QSslConfiguration> m_ssl;
    QNetworkAccessManager *m_network;
    CaptureEvents m_events;

    RunState m_state = RunState::Idle;
    CaptureSettings m_settings;
    StatsSnapshot m_snapshot;
    qint64 m_runNumber = 0;
    QString m_version;
    bool m_haveStatus = false;
    double m_uptimeSeconds = -1;
    QString m_instance;
    bool m_remoteControl = false;
    bool m_tokenRefused = false;
    bool m_tokenChecked = false;
    /// Counts the events that moved the state or run: a /status answer to a request sent
    /// before one of them is older than it and does not set the state back.
    quint64 m_stateSerial = 0;
    quint64 m_stateSerialAtPoll = 0;

    ConnectionState m_connectionState = ConnectionState::Connecting;
    QDateTime m_lastContact;
    QTimer m_pollTimer;
    QPointer<QNetworkReply> m_statusReply;

    QPointer<QNetworkReply> m_eventsReply;
    QTimer m_eventsRetry;
    int m_retryMs = firstRetryMs;
    SseParser m_sse;
    /// The last event id of the process followed. None on the first connection (no history
    /// replayed); 0 after a restart: the new process's events from its first.
    std::optional<quint64> m_lastEventId;
    bool m_streamHadEvent = false; ///< the current connection delivered an event with an id
};

} // namespace capture
