#pragma once

// The window's offscreen tests without an engine: a receiver whose events the test emits,
// and the helpers to find the window's parts and fill its settings.
#include "core/capture/receiver.h"
#include "ui/settingspanel.h"

#include <QComboBox>
#include <QLineEdit>
#include <QTest>
#include <QWidget>

/// A receiver that is not the engine: what a test emits here reaches the window as a
/// capture's events would.
class FakeReceiver : public capture::Receiver
{
public:
    capture::RunState state() const override { return runState; }
    capture::CaptureSettings settings() const override { return captureSettings; }
    capture::StatsSnapshot lastSnapshot() const override { return {}; }
    qint64 runNumber() const override { return 0; }
    const capture::CaptureEvents *events() const override { return &emitter; }
    void start(const capture::CaptureSettings &s) override
    {
        captureSettings = s;
        ++starts;
    }
    void stop() override {}
    void abort() override {}
    void rotate() override {}
    void newRun() override {}
    void setRun(qint64) override {}

    capture::CaptureEvents emitter;
    capture::RunState runState = capture::RunState::Idle;
    capture::CaptureSettings captureSettings;
    int starts = 0;
};

/// The child named `name`; the test dies with the name when there is none.
template<typename T> T *child(QWidget *parent, const QString &name)
{
    T *found = parent->findChild<T *>(name);
    if (!found)
        qFatal("no %s named %s", T::staticMetaObject.className(), qPrintable(name));
    return found;
}

/// Types 127.0.0.1, `ports` and `output` into the window's settings.
inline void fillSettings(QWidget &window, const QString &ports, const QString &output)
{
    auto *panel = child<capture::SettingsPanel>(&window, QStringLiteral("settingsPanel"));
    child<QComboBox>(panel, QStringLiteral("bindCombo"))
        ->setCurrentText(QStringLiteral("127.0.0.1"));
    child<QLineEdit>(panel, QStringLiteral("portsEdit"))->clear();
    QTest::keyClicks(child<QLineEdit>(panel, QStringLiteral("portsEdit")), ports);
    child<QLineEdit>(panel, QStringLiteral("outputEdit"))->clear();
    QTest::keyClicks(child<QLineEdit>(panel, QStringLiteral("outputEdit")), output);
}
