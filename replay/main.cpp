// capture-replay: replays the payload of a packet capture as one TCP stream per source address
// (the companion sender of capture-receiver; a drop-in for pcap2stream).
#include "core/util/processlimits.h"
#include "replay/replayer.h"
#include "replay/replayoptions.h"

#include <QCoreApplication>

#include <atomic>
#include <csignal>
#include <cstdio>

using namespace Qt::Literals::StringLiterals;

namespace {

std::atomic<int> interrupts{0};

extern "C" void onInterrupt(int)
{
    interrupts.fetch_add(1);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"capture-replay"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(CAPTURE_VERSION));

    const replay::ReplayCommandLine parsed = replay::parseReplayCommandLine(app.arguments());
    switch (parsed.action) {
    case replay::ReplayCommandLine::Action::ShowHelp:
        std::fputs(qPrintable(parsed.text), stdout);
        return 0;
    case replay::ReplayCommandLine::Action::ShowVersion:
        std::printf("capture-replay %s\n", CAPTURE_VERSION);
        return 0;
    case replay::ReplayCommandLine::Action::UsageError:
        std::fprintf(stderr, "capture-replay: %s (see capture-replay --help)\n",
                     qPrintable(parsed.text));
        return replay::Usage;
    case replay::ReplayCommandLine::Action::Run:
        break;
    }

    // One descriptor per source: a capture of thousands of hosts needs more than 1024.
    capture::raiseOpenFileLimit();
    // A receiver that goes away must show up as an error on its stream, not kill the process.
    std::signal(SIGPIPE, SIG_IGN);
    struct sigaction action
    {};
    action.sa_handler = onInterrupt;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);

    replay::Replayer replayer(parsed.options, &interrupts, stdout, stderr);
    return replayer.run();
}
