#pragma once

#include "core/capture/capturesettings.h"
#include "core/capture/receiver.h"
#include "core/http/httprequest.h"
#include "core/http/httpresponse.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <functional>
#include <optional>

namespace capture {

/// --control-token-file: the control API on the --status port, for clients that send
/// "Authorization: Bearer TOKEN".
///   POST /api/capture/start   starts with the last settings; answered once it runs or failed
///   POST /api/capture/stop    graceful, as SIGTERM; answered once stopped
///   POST /api/capture/rotate  as SIGUSR1
///   POST /api/run {"run": N}  running: a new run N (rotation); stopped: the next start's run
/// Answers are JSON: {"ok":true,"state":"running","run_number":N} or
/// {"ok":false,"error":"…"}: 401 without or with a wrong token (compared in constant time,
/// never logged), 409 for a start while active or a stop while stopped, 400 for a bad body,
/// 404 for an unknown path, 405 for a method other than POST, 429 while a wrong token's
/// answer from the same address is still being delayed.
///
/// Wrong tokens from one address are answered after a delay that doubles with each one (from
/// 100 ms up to 2 s) and, while that answer is pending, that address gets 429 without its
/// token being looked at: a guesser has one try at a time, at most one every 2 s. They are
/// logged at most once a second per address. No cookies, no CORS headers: a page from
/// elsewhere can neither read nor drive it.
class ControlService : public QObject
{
    Q_OBJECT

public:
    /// Answers a deferred request later: `client` is HttpRequest::client.
    using Answer = std::function<void(quint64 client, const HttpResponse &response)>;

    ControlService(Receiver *receiver, QByteArray token, CaptureSettings startSettings,
                   Answer answer, QObject *parent = nullptr);
    ~ControlService() override;

    /// The answer to a request under /api/ (std::nullopt for other paths), perhaps deferred.
    std::optional<HttpResponse> handle(const HttpRequest &request);

    /// The run number a start through the API records: the last start's, or what
    /// POST /api/run set while stopped.
    qint64 nextRunNumber() const { return m_startSettings.run; }

    /// The longest delay before a wrong token's answer.
    static constexpr int maxFailureDelayMs = 2000;

private:
    struct Failures
    {
        int count = 0;          ///< wrong tokens in a row
        qint64 lastMs = 0;      ///< when the last one came (m_clock)
        bool answering = false; ///< its delayed 401 not sent yet
        int unlogged = 0;       ///< not in a log line yet
    };

    enum class Auth { Good, Missing, Wrong, Throttled };
    Auth authenticate(const HttpRequest &request);
    HttpResponse unauthorized(const HttpRequest &request, Auth auth);
    std::optional<HttpResponse> perform(const HttpRequest &request);
    HttpResponse result(int status = 200) const;
    void logFailures();
    /// Answers the waiting start or stop requests with `response`.
    void answerWaiting(QList<quint64> *waiting, const HttpResponse &response);

    Receiver *m_receiver;
    QByteArray m_token;
    CaptureSettings m_startSettings;
    Answer m_answer;
    QHash<QString, Failures> m_failures; ///< by peer address
    QElapsedTimer m_clock;
    QTimer m_logTimer; ///< failure log lines at most once a second
    QList<quint64> m_waitingForStart;
    QList<quint64> m_waitingForStop;
};

} // namespace capture
