#include "commandline.h"
#include "consolelog.h"
#include "headlessrunner.h"
#include "mainwindow.h"
#include "signalwatcher.h"

#include <QApplication>
#include <QLoggingCategory>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>

using namespace Qt::Literals::StringLiterals;

Q_LOGGING_CATEGORY(lcApp, "capture.app", QtInfoMsg)

namespace {

/// --nogui, or a request that never needs a window (help, version, e.g. for help2man).
bool argumentsAskForNoGui(int argc, char *argv[])
{
    for (int i = 1; i < argc; ++i) {
        for (const char *flag : {"--nogui", "-nogui", "--help", "-h", "--help-all", "--version",
                                 "-v"}) {
            if (std::strcmp(argv[i], flag) == 0)
                return true;
        }
        if (std::strcmp(argv[i], "--") == 0)
            break;
    }
    return false;
}

/// A platform plugin can only start with a display, or one chosen explicitly (offscreen, vnc).
bool displayAvailable()
{
    return !qEnvironmentVariableIsEmpty("DISPLAY") ||
           !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") ||
           !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM");
}

int runHeadless(QCoreApplication &app, const capture::CommandLineOptions &options)
{
    HeadlessRunner runner(options);
    QObject::connect(&runner, &HeadlessRunner::finished, &app, &QCoreApplication::exit,
                     Qt::QueuedConnection);
    QTimer::singleShot(0, &runner, &HeadlessRunner::start);
    return app.exec();
}

int runDesktop(QApplication &app, const capture::CommandLineOptions &options)
{
    capture::MainWindow window(options);
    // Terminal users get the console lines too, and --log-file works as headless.
    capture::CaptureEventLog consoleLog(window.controller());
    QObject::connect(&consoleLog, &capture::CaptureEventLog::entryAdded, &ConsoleLog::write);

    // SIGINT/SIGTERM: stop gracefully and quit; a second one stops at once.
    SignalWatcher watcher;
    watcher.install();
    int count = 0;
    QObject::connect(&watcher, &SignalWatcher::signalReceived, &window, [&](int signal) {
        qCInfo(lcApp).noquote() << u"%1 received: stopping and quitting"_s.arg(
            SignalWatcher::signalName(signal));
        window.quitWhenStopped(++count > 1);
    });
    window.show();
    return app.exec();
}

} // namespace

int main(int argc, char *argv[])
{
    // The application type must be chosen before anything is parsed: a QApplication without a
    // display would abort. nogui=true in a config file is honoured after parsing.
    const bool desktop = !argumentsAskForNoGui(argc, argv) && displayAvailable();
    std::unique_ptr<QCoreApplication> app;
    if (desktop)
        app = std::make_unique<QApplication>(argc, argv);
    else
        app = std::make_unique<QCoreApplication>(argc, argv);
    QCoreApplication::setApplicationName(u"capture-receiver"_s);
    QCoreApplication::setOrganizationName(u"capture-receiver"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(CAPTURE_VERSION));

    const capture::CommandLineResult parsed = capture::parseCommandLine(app->arguments());
    switch (parsed.action) {
    case capture::CommandLineResult::Action::ShowHelp:
    case capture::CommandLineResult::Action::ShowVersion:
        std::fputs(qPrintable(parsed.text + u'\n'), stdout);
        return 0;
    case capture::CommandLineResult::Action::UsageError:
        std::fprintf(stderr, "capture-receiver: %s\n", qPrintable(parsed.text));
        return HeadlessRunner::Usage;
    case capture::CommandLineResult::Action::Run:
        break;
    }

    QString error;
    if (!ConsoleLog::install(parsed.options.logFile, &error)) {
        std::fprintf(stderr, "capture-receiver: %s\n", qPrintable(error));
        return HeadlessRunner::Usage;
    }
    capture::raiseOpenFileLimit();
    // Faults must arrive as error codes with a reason, not kill the process: EPIPE instead of
    // SIGPIPE, EFBIG ("File too large", e.g. under ulimit -f) instead of SIGXFSZ.
    std::signal(SIGPIPE, SIG_IGN);
    std::signal(SIGXFSZ, SIG_IGN);

    int code = 0;
    if (desktop && !parsed.options.noGui) {
        code = runDesktop(*static_cast<QApplication *>(app.get()), parsed.options);
    } else {
        if (!parsed.options.noGui)
            qCInfo(lcApp) << "no display (DISPLAY and WAYLAND_DISPLAY are unset): running "
                             "headless, as with --nogui";
        code = runHeadless(*app, parsed.options);
    }
    ConsoleLog::shutdown();
    return code;
}
