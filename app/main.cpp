#include "commandline.h"
#include "consolelog.h"
#include "headlessrunner.h"

#include <QCoreApplication>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <cstring>

using namespace Qt::Literals::StringLiterals;

int main(int argc, char *argv[])
{
    // Until the desktop window exists every run is headless; --nogui is accepted already.
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"capture-receiver"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(CAPTURE_VERSION));

    const capture::CommandLineResult parsed = capture::parseCommandLine(app.arguments());
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

    HeadlessRunner runner(parsed.options);
    QObject::connect(&runner, &HeadlessRunner::finished, &app, &QCoreApplication::exit,
                     Qt::QueuedConnection);
    QTimer::singleShot(0, &runner, &HeadlessRunner::start);
    const int code = app.exec();
    ConsoleLog::shutdown();
    return code;
}
