// Scenario 7 of bench/run.sh: the desktop window (or, with --headless, the same controller
// without it) records on the given ports while capture-load streams to them, and a 10 ms timer
// in the GUI thread measures how late the event loop serves it. Prints one JSON object: the
// lateness percentiles over the load, and the load's throughput.
#include "core/capture/capturecontroller.h"
#include "core/config/commandline.h"
#include "core/net/portspec.h"
#include "ui/mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryFile>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <memory>

using namespace Qt::Literals::StringLiterals;

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(u"capture-receiver-bench"_s);
    QCoreApplication::setApplicationName(u"gui-probe"_s);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption portsOption(u"ports"_s, u"Ports to record (FIRST-LAST)."_s, u"spec"_s);
    const QCommandLineOption outputOption(u"output"_s, u"Output directory."_s, u"dir"_s);
    const QCommandLineOption loadOption(u"load"_s, u"Path of capture-load."_s, u"path"_s);
    const QCommandLineOption bytesOption(u"bytes"_s, u"Bytes per port (capture-load --bytes)."_s,
                                         u"size"_s, u"64M"_s);
    const QCommandLineOption headlessOption(u"headless"_s, u"No window: controller only."_s);
    parser.addOptions({portsOption, outputOption, loadOption, bytesOption, headlessOption});
    parser.process(app);
    const capture::PortSpecResult ports = capture::parsePortSpec(parser.value(portsOption));
    if (!ports.ok() || !parser.isSet(outputOption) || !parser.isSet(loadOption)) {
        std::fprintf(stderr, "gui-probe: give --ports SPEC, --output DIR and --load PATH (%s)\n",
                     qPrintable(ports.error));
        return 2;
    }

    capture::CommandLineOptions options;
    options.settings.bindAddress = QHostAddress::LocalHost;
    options.settings.ports = ports.ports;
    options.settings.outputDir = parser.value(outputOption);
    options.settings.hash = capture::HashAlgorithm::None; // as in scenario 2 (bench/run.sh)
    options.portsGiven = true; // the window starts capturing at once, as from the command line
    options.givenOptions = {u"bind"_s, u"ports"_s, u"output"_s};

    capture::CaptureController controller;
    capture::Receiver *active = &controller;
    std::unique_ptr<capture::MainWindow> window;
    if (parser.isSet(headlessOption)) {
        controller.start(options.settings);
    } else {
        window = std::make_unique<capture::MainWindow>(&controller, options);
        window->resize(1280, 720);
        window->show();
    }

    constexpr int periodMs = 10;
    QList<double> lateness;
    QElapsedTimer clock;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(periodMs);
    qint64 last = -1;
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        if (last >= 0)
            lateness.append(std::max(0.0, double(now - last) / 1e6 - periodMs));
        last = now;
    });

    QTemporaryFile loadJson;
    loadJson.open();
    QProcess load;
    load.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    int exitCode = 0;
    auto report = [&](int loadStatus) {
        probe.stop();
        std::sort(lateness.begin(), lateness.end());
        auto percentile = [&](double p) {
            return lateness.isEmpty() ? 0.0
                                      : lateness[qMin(lateness.size() - 1,
                                                      qsizetype(p * double(lateness.size())))];
        };
        const QJsonObject loadResult = QJsonDocument::fromJson(loadJson.readAll()).object();
        const QJsonObject result{{u"mode"_s, window ? u"window"_s : u"headless"_s},
                                 {u"samples"_s, lateness.size()},
                                 {u"p50_ms"_s, percentile(0.50)},
                                 {u"p99_ms"_s, percentile(0.99)},
                                 {u"max_ms"_s, lateness.isEmpty() ? 0.0 : lateness.last()},
                                 {u"mb_per_s"_s, loadResult.value(u"mb_per_s"_s)},
                                 {u"load_status"_s, loadStatus}};
        std::printf("%s\n", QJsonDocument(result).toJson(QJsonDocument::Compact).constData());
        std::fflush(stdout);
        exitCode = loadStatus == 0 ? 0 : 1;
        QObject::connect(active->events(), &capture::CaptureEvents::stopped, &app,
                         &QCoreApplication::quit);
        active->stop();
    };
    QObject::connect(&load, &QProcess::finished, [&](int code, QProcess::ExitStatus status) {
        report(status == QProcess::NormalExit ? code : 128);
    });
    QObject::connect(&load, &QProcess::errorOccurred, [&](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart)
            report(127);
    });
    QObject::connect(active->events(), &capture::CaptureEvents::startFailed, &app, [&] {
        std::fprintf(stderr, "gui-probe: the capture did not start\n");
        app.exit(1);
    });
    QObject::connect(active->events(), &capture::CaptureEvents::started, [&] {
        clock.start();
        probe.start();
        const QString spec = capture::formatPortSpec(ports.ports);
        load.start(parser.value(loadOption),
                   {u"--host"_s, u"127.0.0.1"_s, u"--ports"_s, spec, u"--connections"_s,
                    QString::number(ports.ports.size()), u"--bytes"_s, parser.value(bytesOption),
                    u"--no-digest"_s, u"--json"_s, loadJson.fileName()});
    });
    const int code = app.exec();
    return code != 0 ? code : exitCode;
}
