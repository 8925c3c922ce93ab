#include "app/application.h"
#include "app/consolelog.h"
#include "app/headlessrunner.h"
#include "app/subcommands.h"
#include "core/config/commandline.h"
#include "core/remote/remotereceiver.h"
#include "core/util/processlimits.h"
#include "ui/mainwindow.h"

#include <QApplication>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

using namespace Qt::Literals::StringLiterals;

Q_LOGGING_CATEGORY(lcMain, "capture.main", QtInfoMsg)

namespace {

/// --nogui, or a request that never needs a window (help, version, e.g. for help2man).
bool argumentsAskForNoGui(int argc, char *argv[])
{
    for (int i = 1; i < argc; ++i) {
        for (const char *flag :
             {"--nogui", "-nogui", "--help", "-h", "--help-all", "--version", "-v"}) {
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

int runHeadless(QCoreApplication &qapp, Application &app)
{
    HeadlessRunner runner(app.receiver(), app.options());
    QObject::connect(&app, &Application::stopRequested, &runner, &HeadlessRunner::stop);
    QObject::connect(&runner, &HeadlessRunner::finished, &qapp, &QCoreApplication::exit,
                     Qt::QueuedConnection);
    QTimer::singleShot(0, &runner, &HeadlessRunner::start);
    return qapp.exec();
}

int runDesktop(QApplication &qapp, Application &app)
{
    capture::MainWindow window(app.receiver(), app.options());
    QObject::connect(&app, &Application::stopRequested, &window,
                     &capture::MainWindow::quitWhenStopped);
    window.show();
    return qapp.exec();
}

/// --connect: the window on a receiver elsewhere; nothing is captured, served or written here.
int runConnected(QApplication &qapp, const capture::CommandLineOptions &options)
{
    capture::registerCaptureMetaTypes();
    capture::RemoteReceiver remote(options.connectUrl, options.connectToken,
                                   options.connectCaCertificates);
    capture::MainWindow window(&remote, options);
    window.show();
    remote.connectToReceiver();
    return qapp.exec();
}

} // namespace

int main(int argc, char *argv[])
{
    // The application type must be chosen before anything is parsed: a QApplication without a
    // display would abort. nogui=true in a config file is honoured after parsing.
    const bool verify = argc >= 2 && std::strcmp(argv[1], "verify") == 0;
    const bool recover = argc >= 2 && std::strcmp(argv[1], "recover") == 0;
    const bool desktop =
        !verify && !recover && !argumentsAskForNoGui(argc, argv) && displayAvailable();
    std::unique_ptr<QCoreApplication> app;
    if (desktop)
        app = std::make_unique<QApplication>(argc, argv);
    else
        app = std::make_unique<QCoreApplication>(argc, argv);
    QCoreApplication::setApplicationName(u"capture-receiver"_s);
    QCoreApplication::setOrganizationName(u"capture-receiver"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(CAPTURE_VERSION));

    if (verify)
        return runVerify(app->arguments().mid(2));
    if (recover)
        return runRecover(app->arguments().mid(2));

    const capture::CommandLineResult parsed = capture::parseCommandLine(app->arguments());
    switch (parsed.action) {
    case capture::CommandLineResult::Action::ShowHelp:
    case capture::CommandLineResult::Action::ShowVersion:
        std::fputs(qPrintable(parsed.text + u'\n'), stdout);
        return 0;
    case capture::CommandLineResult::Action::UsageError:
        std::fprintf(stderr, "capture-receiver: %s\n", qPrintable(parsed.text));
        return Application::Usage;
    case capture::CommandLineResult::Action::Run:
        break;
    }

    QString error;
    if (!ConsoleLog::install(parsed.options.logFile, &error)) {
        std::fprintf(stderr, "capture-receiver: %s\n", qPrintable(error));
        return Application::Usage;
    }
    if (parsed.options.connectUrl.isValid()) {
        if (!desktop) {
            std::fprintf(stderr, "capture-receiver: --connect opens the desktop window, which "
                                 "needs a display (DISPLAY or WAYLAND_DISPLAY)\n");
            return Application::Usage;
        }
        const int code = runConnected(*static_cast<QApplication *>(app.get()), parsed.options);
        ConsoleLog::shutdown();
        return code;
    }
    if (!parsed.options.tlsWarning.isEmpty())
        qCWarning(lcMain).noquote() << parsed.options.tlsWarning;
    const bool windowed = desktop && !parsed.options.noGui;
    Application application(parsed.options, windowed ? Application::FrontEnd::Desktop
                                                     : Application::FrontEnd::Headless);
    if (!application.openEvents(&error)) {
        std::fprintf(stderr, "capture-receiver: %s\n", qPrintable(error));
        return Application::Usage;
    }
    capture::raiseOpenFileLimit();
    // Faults must arrive as error codes with a reason, not kill the process: EPIPE instead of
    // SIGPIPE, EFBIG ("File too large", e.g. under ulimit -f) instead of SIGXFSZ.
    std::signal(SIGPIPE, SIG_IGN);
    std::signal(SIGXFSZ, SIG_IGN);
    if (!application.startStatus(&error)) {
        std::fprintf(stderr, "capture-receiver: %s\n", qPrintable(error));
        return Application::Failure;
    }
    application.watchSignals();

    int code = 0;
    if (windowed) {
        code = runDesktop(*static_cast<QApplication *>(app.get()), application);
    } else {
        if (!parsed.options.noGui)
            qCInfo(lcMain) << "no display (DISPLAY and WAYLAND_DISPLAY are unset): running "
                              "headless, as with --nogui";
        code = runHeadless(*app, application);
    }
    ConsoleLog::shutdown();
    return code;
}
