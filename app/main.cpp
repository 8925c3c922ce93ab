#include "app/consolelog.h"
#include "app/headlessrunner.h"
#include "app/signalwatcher.h"
#include "core/config/commandline.h"
#include "core/manifest/manifest.h"
#include "core/manifest/recovery.h"
#include "core/net/address.h"
#include "core/observe/eventstream.h"
#include "core/observe/statusservice.h"
#include "core/util/printable.h"
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

Q_LOGGING_CATEGORY(lcApp, "capture.app", QtInfoMsg)

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

/// A subcommand's single DIR argument: --help prints `help` (0), anything but one argument
/// is a usage error (2); nothing when DIR was given.
std::optional<int> checkDirectoryArgument(const QStringList &arguments, const QString &usage,
                                          const char *help)
{
    if (arguments.size() == 1 && (arguments[0] == u"--help" || arguments[0] == u"-h")) {
        std::printf("%s\n\n%s\n", qPrintable(usage), help);
        return 0;
    }
    if (arguments.size() != 1 || arguments[0].startsWith(u'-')) {
        std::fprintf(stderr, "capture-receiver: %s (got %lld argument(s)%s%s)\n", qPrintable(usage),
                     qint64(arguments.size()), arguments.isEmpty() ? "" : ": ",
                     qPrintable(capture::printableValue(arguments.join(u' '))));
        return HeadlessRunner::Usage;
    }
    return std::nullopt;
}

/// capture-receiver recover DIR: adopts what a crash left into the manifest. 0: done (or
/// nothing to do); 1: a file could not be read or a line not written, or a receiver is
/// recording there; 2: usage error.
int runRecover(const QStringList &arguments)
{
    const QString usage = u"usage: capture-receiver recover DIR"_s;
    if (const std::optional<int> status = checkDirectoryArgument(
            arguments, usage,
            "Adopts what a crash or kill -9 left in DIR: each file DIR/manifest.jsonl does\n"
            "not name gets a manifest line with its size and SHA-256 as found on disk and\n"
            "\"close_reason\": \"recovered\" (ADOPTED), and each run that never stopped gets a\n"
            "stop line marked \"recovered\" (CLOSED), so that `capture-receiver verify DIR`\n"
            "passes. Files are only read, never changed. Refused while a receiver records\n"
            "in DIR.\n"
            "Exit status: 0 done (or nothing to do), 1 a file could not be read or the\n"
            "manifest not written, or a receiver is recording in DIR, 2 usage error."))
        return *status;
    if (!QFileInfo(arguments[0]).isDir()) {
        std::fprintf(stderr, "capture-receiver: recover: '%s' is not a directory\n",
                     qPrintable(capture::printablePath(arguments[0])));
        return HeadlessRunner::Usage;
    }
    const capture::RecoverSummary summary =
        capture::recoverDirectory(arguments[0], [](const QString &line) {
            std::printf("%s\n", qPrintable(line));
            std::fflush(stdout);
        });
    if (!summary.error.isEmpty()) {
        std::fprintf(stderr, "capture-receiver: recover: %s\n", qPrintable(summary.error));
        return HeadlessRunner::Failure;
    }
    std::printf(
        "recover: %d file(s) adopted, %d run(s) closed%s\n", summary.adopted, summary.runsClosed,
        summary.failed > 0 ? qPrintable(u", %1 file(s) could not be read"_s.arg(summary.failed))
                           : "");
    return summary.failed > 0 ? HeadlessRunner::Failure : 0;
}

/// capture-receiver verify DIR: re-hashes every file the manifest lists. 0: all OK; 1: a file
/// is missing or differs, or a manifest line is invalid; 2: usage error or no manifest.
int runVerify(const QStringList &arguments)
{
    const QString usage = u"usage: capture-receiver verify DIR"_s;
    if (const std::optional<int> status = checkDirectoryArgument(
            arguments, usage,
            "Re-hashes every file listed in DIR/manifest.jsonl and prints one line per file:\n"
            "OK, MISMATCH (size or SHA-256 differs, or unreadable), MISSING, DELETED (by\n"
            "--max-files) or LOST (reported lost by the receiver during its run); then\n"
            "UNLISTED for each file in DIR the manifest does not name, UNSTOPPED for each\n"
            "run that never stopped (`capture-receiver recover DIR` adopts both), RUNNING\n"
            "for a receiver recording in DIR now and OPEN for the files it is writing.\n"
            "Exit status: 0 all files OK, 1 a problem found, 2 usage error or no readable\n"
            "manifest."))
        return *status;
    const capture::VerifySummary summary =
        capture::verifyDirectory(arguments[0], [](const capture::VerifyResult &result) {
            std::printf("%-8s %s: %s\n", qPrintable(capture::verifyStatusName(result.status)),
                        qPrintable(result.file), qPrintable(result.detail));
            std::fflush(stdout);
        });
    if (!summary.error.isEmpty()) {
        std::fprintf(stderr, "capture-receiver: verify: %s\n", qPrintable(summary.error));
        return HeadlessRunner::Usage;
    }
    std::printf("verify: %s\n", qPrintable(summary.text()));
    return summary.passed() ? 0 : 1;
}

/// --status: serves the controller's figures over HTTP; false (after saying why) if the
/// address cannot be bound.
bool startStatusService(capture::StatusService *status, const capture::CommandLineOptions &options)
{
    if (options.statusPort == 0)
        return true;
    QString error;
    if (!status->listen(options.statusAddress, options.statusPort, &error)) {
        std::fprintf(stderr, "capture-receiver: cannot serve --status on %s: %s\n",
                     qPrintable(capture::endpointText(options.statusAddress, options.statusPort)),
                     qPrintable(error));
        return false;
    }
    qCInfo(lcApp).noquote() << u"status: http://%1/status, /metrics, /healthz"_s.arg(
        capture::endpointText(options.statusAddress, status->serverPort()));
    return true;
}

int runHeadless(QCoreApplication &app, const capture::CommandLineOptions &options,
                capture::EventStream *events)
{
    HeadlessRunner runner(options);
    if (events)
        events->attach(runner.controller(), options.summaryIntervalMs);
    capture::StatusService status(runner.controller());
    if (!startStatusService(&status, options))
        return HeadlessRunner::Failure;
    QObject::connect(&runner, &HeadlessRunner::finished, &app, &QCoreApplication::exit,
                     Qt::QueuedConnection);
    QTimer::singleShot(0, &runner, &HeadlessRunner::start);
    return app.exec();
}

int runDesktop(QApplication &app, const capture::CommandLineOptions &options,
               capture::EventStream *events)
{
    capture::MainWindow window(options);
    if (events)
        events->attach(window.controller(), options.summaryIntervalMs);
    capture::StatusService status(window.controller());
    if (!startStatusService(&status, options))
        return HeadlessRunner::Failure;
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
        return HeadlessRunner::Usage;
    case capture::CommandLineResult::Action::Run:
        break;
    }

    QString error;
    if (!ConsoleLog::install(parsed.options.logFile, &error)) {
        std::fprintf(stderr, "capture-receiver: %s\n", qPrintable(error));
        return HeadlessRunner::Usage;
    }
    if (!parsed.options.tlsWarning.isEmpty())
        qCWarning(lcApp).noquote() << parsed.options.tlsWarning;
    std::unique_ptr<capture::EventStream> events;
    if (!parsed.options.eventsFile.isEmpty()) {
        events = std::make_unique<capture::EventStream>();
        if (!events->open(parsed.options.eventsFile, &error)) {
            std::fprintf(stderr, "capture-receiver: %s\n", qPrintable(error));
            return HeadlessRunner::Usage;
        }
    }
    capture::raiseOpenFileLimit();
    // Faults must arrive as error codes with a reason, not kill the process: EPIPE instead of
    // SIGPIPE, EFBIG ("File too large", e.g. under ulimit -f) instead of SIGXFSZ.
    std::signal(SIGPIPE, SIG_IGN);
    std::signal(SIGXFSZ, SIG_IGN);

    int code = 0;
    if (desktop && !parsed.options.noGui) {
        code = runDesktop(*static_cast<QApplication *>(app.get()), parsed.options, events.get());
    } else {
        if (!parsed.options.noGui)
            qCInfo(lcApp) << "no display (DISPLAY and WAYLAND_DISPLAY are unset): running "
                             "headless, as with --nogui";
        code = runHeadless(*app, parsed.options, events.get());
    }
    ConsoleLog::shutdown();
    return code;
}
