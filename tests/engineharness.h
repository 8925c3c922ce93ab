#pragma once

// The engine tests' harness: a controller with spies on every signal, and settings for a
// capture on 127.0.0.1.
#include "capturecontroller.h"

#include <QDir>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::Literals::StringLiterals;

namespace capture {

inline constexpr int timeoutMs = 60000;

/// A controller with spies on every signal a test looks at.
struct Harness
{
    CaptureController controller;
    QSignalSpy started{&controller, &CaptureController::started};
    QSignalSpy startFailed{&controller, &CaptureController::startFailed};
    QSignalSpy opened{&controller, &CaptureController::connectionOpened};
    QSignalSpy closed{&controller, &CaptureController::connectionClosed};
    QSignalSpy filesOpened{&controller, &CaptureController::fileOpened};
    QSignalSpy filesClosed{&controller, &CaptureController::fileClosed};
    QSignalSpy filesDeleted{&controller, &CaptureController::fileDeleted};
    QSignalSpy writeFailed{&controller, &CaptureController::writeFailed};
    QSignalSpy warnings{&controller, &CaptureController::warningRaised};
    QSignalSpy errors{&controller, &CaptureController::errorRaised};
    QSignalSpy stats{&controller, &CaptureController::statsUpdated};
    QSignalSpy stopped{&controller, &CaptureController::stopped};

    bool start(const CaptureSettings &settings)
    {
        controller.start(settings);
        return QTest::qWaitFor([this] { return !started.isEmpty() || !startFailed.isEmpty(); },
                               timeoutMs) &&
               !started.isEmpty();
    }
    StopSummary stop()
    {
        controller.stop();
        if (!QTest::qWaitFor([this] { return !stopped.isEmpty(); }, timeoutMs))
            return {};
        return stopped.takeFirst().at(0).value<StopSummary>();
    }
    QList<ConnectionInfo> closedConnections() const
    {
        QList<ConnectionInfo> list;
        for (const QList<QVariant> &args : closed)
            list.append(args.at(0).value<ConnectionInfo>());
        return list;
    }
};

inline CaptureSettings settingsFor(const QList<quint16> &ports, const QString &dir, SplitMode split)
{
    CaptureSettings s;
    s.bindAddress = QHostAddress::LocalHost;
    s.ports = ports;
    s.outputDir = dir;
    s.split = split;
    s.drainTimeoutMs = 10000;
    return s;
}

inline QStringList filesIn(const QString &dir)
{
    return QDir(dir).entryList({u"stream_*"_s}, QDir::Files, QDir::Name);
}

} // namespace capture
