#include "app/application.h"

#include "app/consolelog.h"
#include "app/signalwatcher.h"
#include "core/net/address.h"
#include "core/observe/eventstream.h"
#include "core/observe/statusservice.h"

#include <QLoggingCategory>

#include <csignal>

using namespace Qt::Literals::StringLiterals;
using namespace capture;

Q_LOGGING_CATEGORY(lcApp, "capture.app", QtInfoMsg)

Application::Application(CommandLineOptions options, FrontEnd frontEnd, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_frontEnd(frontEnd)
{
    // Terminal users get the console lines in both front ends, and --log-file works in both.
    connect(&m_consoleLog, &CaptureEventLog::entryAdded, &ConsoleLog::write);
}

Application::~Application() = default;

bool Application::openEvents(QString *error)
{
    if (m_options.eventsFile.isEmpty())
        return true;
    m_events = std::make_unique<EventStream>();
    if (!m_events->open(m_options.eventsFile, error)) {
        m_events.reset();
        return false;
    }
    m_events->attach(&m_controller, m_options.summaryIntervalMs);
    return true;
}

bool Application::startStatus(QString *error)
{
    if (m_options.statusPort == 0)
        return true;
    m_status = std::make_unique<StatusService>(&m_controller);
    if (m_options.statusTls)
        m_status->server()->setTlsConfiguration(*m_options.statusTls);
    if (!m_options.controlToken.isEmpty())
        m_status->enableControl(m_options.controlToken, m_options.settings);
    QString reason;
    if (!m_status->listen(m_options.statusAddress, m_options.statusPort, &reason)) {
        *error = u"cannot serve --status on %1: %2"_s.arg(
            endpointText(m_options.statusAddress, m_options.statusPort), reason);
        m_status.reset();
        return false;
    }
    const QString base = (m_options.statusTls ? u"https://"_s : u"http://"_s) +
                         endpointText(m_options.statusAddress, m_status->serverPort());
    qCInfo(lcApp).noquote() << u"status: %1/status, /metrics, /healthz, /events, the dashboard at "
                               "%1/%2"_s.arg(base, m_status->controlEnabled()
                                                       ? u"; control API at %1/api/"_s.arg(base)
                                                       : QString());
    if (!m_options.statusAddress.isLoopback() &&
        (!m_options.statusTls || m_options.controlToken.isEmpty()))
        qCWarning(lcApp).noquote()
            << u"--status %1 is reachable from other hosts %2: anyone who can reach it "
               "sees the capture%3"_s.arg(
                   endpointText(m_options.statusAddress, m_status->serverPort()),
                   m_options.statusTls ? u"over HTTPS"_s : u"in plain HTTP"_s,
                   m_options.controlToken.isEmpty() ? QString()
                                                    : u", and the token travels unencrypted"_s);
    return true;
}

void Application::watchSignals()
{
    m_signals = new SignalWatcher(this);
    if (!m_signals->install())
        qCWarning(lcApp).noquote()
            << u"cannot install signal handlers: %1"_s.arg(m_signals->errorString());
    connect(m_signals, &SignalWatcher::signalReceived, this, &Application::onSignal);
}

void Application::onSignal(int signal)
{
    const QString name = SignalWatcher::signalName(signal);
    if (signal == SIGUSR1) { // rotate on demand; never a stop
        if (m_controller.state() == capture::RunState::Running) {
            qCInfo(lcApp).noquote()
                << u"%1 received: closing every open file (rotation requested)"_s.arg(name);
            m_controller.rotate();
        } else {
            qCInfo(lcApp).noquote() << u"%1 received: nothing to rotate (the capture is %2)"_s.arg(
                name, capture::runStateName(m_controller.state()));
        }
        return;
    }
    if (++m_signalCount == 1) {
        qCInfo(lcApp).noquote() << (m_frontEnd == FrontEnd::Desktop
                                        ? u"%1 received: stopping and quitting"_s.arg(name)
                                        : u"%1 received: stopping (send it again to stop at "
                                          "once)"_s.arg(name));
        Q_EMIT stopRequested(false);
    } else {
        qCWarning(lcApp).noquote()
            << u"%1 received again: stopping at once, closing files"_s.arg(name);
        Q_EMIT stopRequested(true);
    }
}
