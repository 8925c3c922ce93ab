#include "core/observe/controlservice.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

#include <openssl/crypto.h>

#include <limits>

using namespace Qt::Literals::StringLiterals;

Q_LOGGING_CATEGORY(lcControl, "capture.control", QtInfoMsg)

namespace capture {

namespace {

constexpr int firstFailureDelayMs = 100;
// Addresses whose wrong tokens are remembered; past it, those quiet longest are forgotten.
constexpr qsizetype maxRememberedAddresses = 4096;
// A run of wrong tokens from one address is forgotten after this long without one.
constexpr qint64 forgetFailuresAfterMs = qint64(10) * 60 * 1000;

const QByteArray challenge = R"(Bearer realm="capture-receiver")"_ba;

HttpResponse json(int status, const QJsonObject &object)
{
    return HttpResponse{status, "application/json",
                        QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n'};
}

HttpResponse error(int status, const QString &message)
{
    return json(status, {{u"ok"_s, false}, {u"error"_s, message}});
}

/// The token of "Bearer TOKEN" (the scheme in any case); empty for another scheme.
QByteArray bearerToken(const HttpRequest &request)
{
    for (const auto &[name, value] : request.headers) {
        if (name != "authorization")
            continue;
        const qsizetype space = value.indexOf(' ');
        if (space < 0 || value.first(space).compare("bearer", Qt::CaseInsensitive) != 0)
            return {};
        return value.sliced(space + 1).trimmed();
    }
    return {};
}

bool hasAuthorization(const HttpRequest &request)
{
    return std::any_of(request.headers.begin(), request.headers.end(),
                       [](const auto &header) { return header.first == "authorization"; });
}

} // namespace

ControlService::ControlService(Receiver *receiver, QByteArray token, CaptureSettings startSettings,
                               Answer answer, QObject *parent)
    : QObject(parent)
    , m_receiver(receiver)
    , m_token(std::move(token))
    , m_startSettings(std::move(startSettings))
    , m_answer(std::move(answer))
{
    m_clock.start();
    m_logTimer.setSingleShot(true);
    m_logTimer.setInterval(1000);
    connect(&m_logTimer, &QTimer::timeout, this, &ControlService::logFailures);

    const CaptureEvents *events = receiver->events();
    connect(events, &CaptureEvents::started, this, [this] {
        m_startSettings = m_receiver->settings(); // the desktop may have started others
        answerWaiting(&m_waitingForStart, result());
    });
    connect(events, &CaptureEvents::startFailed, this,
            [this](const QList<ListenFailure> &failures, const QString &reason) {
                QString why = reason;
                for (const ListenFailure &f : failures)
                    why += (why.isEmpty() ? u""_s : u"; "_s) +
                           u"port %1: %2"_s.arg(f.port).arg(f.reason);
                HttpResponse failed = error(500, u"the capture did not start: "_s + why);
                answerWaiting(&m_waitingForStart, failed);
            });
    connect(events, &CaptureEvents::stopped, this, [this](const StopSummary &summary) {
        m_startSettings.run = summary.runNumber; // a next start goes on with this run
        QJsonObject stopped{{u"ok"_s, true},
                            {u"state"_s, runStateName(m_receiver->state())},
                            {u"run_number"_s, summary.runNumber},
                            {u"bytes_received"_s, double(summary.bytesReceived)},
                            {u"bytes_written"_s, double(summary.bytesWritten)}};
        if (!summary.stopCondition.isEmpty())
            stopped.insert(u"stop_condition"_s, summary.stopCondition);
        answerWaiting(&m_waitingForStop, json(200, stopped));
    });
}

ControlService::~ControlService() = default;

std::optional<HttpResponse> ControlService::handle(const HttpRequest &request)
{
    if (!request.path.startsWith("/api/"))
        return std::nullopt;
    static const QList<QByteArray> paths{"/api/capture/start", "/api/capture/stop",
                                         "/api/capture/rotate", "/api/run"};
    if (!paths.contains(request.path))
        return error(404, u"no such endpoint: "_s + QString::fromLatin1(request.path));
    if (request.method != "POST") {
        HttpResponse notAllowed = error(405, u"use POST"_s);
        notAllowed.headers.append({"Allow"_ba, "POST"_ba});
        return notAllowed;
    }
    const Auth auth = authenticate(request);
    if (auth != Auth::Good)
        return unauthorized(request, auth);
    return perform(request);
}

ControlService::Auth ControlService::authenticate(const HttpRequest &request)
{
    if (!hasAuthorization(request))
        return Auth::Missing;
    const QString &address = request.peerAddress;
    const auto known = m_failures.find(address);
    if (known != m_failures.end() && known->answering)
        return Auth::Throttled; // one guess at a time
    const QByteArray given = bearerToken(request);
    // Constant time for a given length; a length that differs compares the token with itself,
    // so the time does not tell either.
    const bool sameLength = given.size() == m_token.size();
    const QByteArray &compared = sameLength ? given : m_token;
    const bool equal =
        CRYPTO_memcmp(compared.constData(), m_token.constData(), size_t(m_token.size())) == 0 &&
        sameLength;
    const qint64 now = m_clock.elapsed();
    if (equal) {
        if (known != m_failures.end() && known->unlogged == 0)
            m_failures.erase(known);
        else if (known != m_failures.end())
            known->count = 0;
        return Auth::Good;
    }
    if (m_failures.size() >= maxRememberedAddresses && known == m_failures.end()) {
        m_failures.removeIf([now](const auto &entry) {
            return !entry.value().answering &&
                   (entry.value().unlogged == 0 || now - entry.value().lastMs > 1000);
        });
    }
    Failures &f = m_failures[address];
    if (now - f.lastMs > forgetFailuresAfterMs)
        f.count = 0;
    ++f.count;
    ++f.unlogged;
    f.lastMs = now;
    if (!m_logTimer.isActive())
        logFailures();
    return Auth::Wrong;
}

HttpResponse ControlService::unauthorized(const HttpRequest &request, Auth auth)
{
    if (auth == Auth::Missing) {
        HttpResponse missing =
            error(401, u"send the token of --control-token-file as Authorization: Bearer TOKEN"_s);
        missing.headers.append({"WWW-Authenticate"_ba, challenge});
        return missing;
    }
    if (auth == Auth::Throttled) {
        HttpResponse wait = error(429, u"a wrong token from %1 is still being answered; one "
                                       "try at a time"_s.arg(request.peerAddress));
        wait.headers.append({"Retry-After"_ba, "2"_ba});
        return wait;
    }
    Failures &f = m_failures[request.peerAddress];
    const int delayMs = f.count >= 6
                            ? maxFailureDelayMs
                            : std::min(maxFailureDelayMs, firstFailureDelayMs << (f.count - 1));
    f.answering = true;
    HttpResponse wrong = error(401, u"wrong token"_s);
    wrong.headers.append({"WWW-Authenticate", challenge + R"(, error="invalid_token")"});
    QTimer::singleShot(delayMs, this,
                       [this, client = request.client, address = request.peerAddress, wrong] {
                           const auto it = m_failures.find(address);
                           if (it != m_failures.end())
                               it->answering = false;
                           m_answer(client, wrong);
                       });
    HttpResponse later;
    later.deferred = true;
    return later;
}

std::optional<HttpResponse> ControlService::perform(const HttpRequest &request)
{
    const QString by = request.peerAddress;
    const RunState state = m_receiver->state();
    const QString stateName = runStateName(state);
    HttpResponse later;
    later.deferred = true;
    if (request.path == "/api/capture/start") {
        if (m_receiver->isActive() || !m_waitingForStart.isEmpty())
            return error(409, u"the capture is %1 already"_s.arg(
                                  m_waitingForStart.isEmpty() ? stateName : u"starting"_s));
        qCInfo(lcControl).noquote() << u"control: start requested by %1"_s.arg(by);
        m_waitingForStart.append(request.client);
        // After this answer is deferred: the start's events may come at once.
        QTimer::singleShot(0, this, [this] { m_receiver->start(m_startSettings); });
        return later;
    }
    if (request.path == "/api/capture/stop") {
        if (!m_receiver->isActive())
            return error(409, u"the capture is %1 already"_s.arg(stateName));
        qCInfo(lcControl).noquote() << u"control: stop requested by %1"_s.arg(by);
        m_waitingForStop.append(request.client);
        if (state != RunState::Stopping)
            QTimer::singleShot(0, this, [this] { m_receiver->stop(); });
        return later;
    }
    if (request.path == "/api/capture/rotate") {
        if (state != RunState::Running)
            return error(409, u"nothing to rotate: the capture is %1"_s.arg(stateName));
        qCInfo(lcControl).noquote() << u"control: rotation requested by %1"_s.arg(by);
        m_receiver->rotate();
        return result();
    }
    // /api/run
    QJsonParseError parseError;
    const QJsonDocument body = QJsonDocument::fromJson(request.body, &parseError);
    const QJsonValue run = body.object().value(u"run"_s);
    const double number = run.toDouble(-1);
    constexpr double lastRun = std::numeric_limits<qint32>::max();
    if (!body.isObject() || !run.isDouble() || number < 0 || number > lastRun ||
        number != double(qint64(number)))
        return error(400,
                     u"expected a JSON body {\"run\": N}, N from 0 to %1"_s.arg(qint64(lastRun)));
    if (state == RunState::Starting || state == RunState::Stopping)
        return error(409, u"the capture is %1; try again"_s.arg(stateName));
    const qint64 n = qint64(number);
    if (state == RunState::Running) {
        qCInfo(lcControl).noquote() << u"control: run %1 requested by %2"_s.arg(n).arg(by);
        m_receiver->setRun(n);
        QJsonObject answer = QJsonDocument::fromJson(result().body).object();
        answer.insert(u"run_number"_s, n);
        return json(200, answer);
    }
    qCInfo(lcControl).noquote() << u"control: run %1 for the next start, set by %2"_s.arg(n).arg(
        by);
    m_startSettings.run = n;
    return result();
}

HttpResponse ControlService::result(int status) const
{
    const bool active = m_receiver->isActive();
    return json(status,
                {{u"ok"_s, true},
                 {u"state"_s, runStateName(m_receiver->state())},
                 {u"run_number"_s, active ? m_receiver->runNumber() : m_startSettings.run}});
}

void ControlService::answerWaiting(QList<quint64> *waiting, const HttpResponse &response)
{
    const QList<quint64> clients = std::exchange(*waiting, {});
    for (const quint64 client : clients)
        m_answer(client, response);
}

void ControlService::logFailures()
{
    bool any = false;
    for (auto it = m_failures.begin(); it != m_failures.end(); ++it) {
        if (it->unlogged == 0)
            continue;
        qCWarning(lcControl).noquote()
            << u"control: %1 request(s) with a wrong token from %2 (%3 in a row); answers "
               "are delayed"_s.arg(it->unlogged)
                   .arg(it.key())
                   .arg(it->count);
        it->unlogged = 0;
        any = true;
    }
    if (any)
        m_logTimer.start();
}

} // namespace capture
