#pragma once

#include "core/capture/captureevents.h"
#include "core/capture/capturesettings.h"
#include "core/capture/capturetypes.h"

#include <QDateTime>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QString>

namespace capture {

/// Where a receiver is in its run. Idle before the first start and after a stop; Failed after
/// a start that could not listen (until the next start).
enum class RunState { Idle, Starting, Running, Stopping, Failed };

/// The word /status, the events and the logs use for a state: "stopped", "starting",
/// "running", "stopping", "failed".
QString runStateName(RunState state);

/// What a front end (the desktop window, the console, the status and event outputs) sees of a
/// receiver and how it drives one: a run state, the last 4 Hz figures, and its events.
/// CaptureController is the receiver in this process; a receiver elsewhere can be driven
/// through the same face. Every signal arrives in the thread the receiver lives in, and the
/// state and last snapshot have been updated before the event that moved them is delivered.
class Receiver : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    /// The state; stateChanged() is emitted on every change.
    virtual RunState state() const = 0;
    /// The settings of the current (or last) start().
    virtual CaptureSettings settings() const = 0;
    /// The figures of the last statsUpdated() (kept after the run stops; empty before the
    /// first one).
    virtual StatsSnapshot lastSnapshot() const = 0;
    /// The run number now: the start's --run, plus one for each New run since.
    virtual qint64 runNumber() const = 0;
    /// What the receiver reports, one signal per event; lives in the receiver's thread.
    virtual const CaptureEvents *events() const = 0;

    /// Whether the commands below can be carried out; a receiver elsewhere needs a token it
    /// accepts. controlUnavailableReason() says why not (controlAvailabilityChanged() on a
    /// change).
    virtual bool canControl() const { return true; }
    virtual QString controlUnavailableReason() const { return {}; }
    /// When it was last heard from: now for the receiver of this process; for one elsewhere,
    /// its last answer (invalid before the first).
    virtual QDateTime lastContact() const { return QDateTime::currentDateTimeUtc(); }

    /// True from start() until events()->stopped() or startFailed() has been delivered.
    bool isActive() const
    {
        const RunState s = state();
        return s == RunState::Starting || s == RunState::Running || s == RunState::Stopping;
    }

public Q_SLOTS:
    virtual void start(const capture::CaptureSettings &settings) = 0;
    /// Stops gracefully: stops accepting, takes in what peers already sent, closes the files.
    virtual void stop() = 0;
    /// Stops at once (files are still closed properly).
    virtual void abort() = 0;
    /// While running: closes every open file now (close reason "rotation (requested)"); each
    /// stream's next byte opens its next file. No connection is dropped.
    virtual void rotate() = 0;
    /// While running: rotates (close reason "rotation (new run)") and adds one to the run
    /// number (events()->runChanged()). No connection is dropped.
    virtual void newRun() = 0;
    /// As newRun(), with the run number `run` (0 to 2147483647): a run-control system's
    /// "next run is N".
    virtual void setRun(qint64 run) = 0;

Q_SIGNALS:
    void stateChanged(capture::RunState state);
    /// canControl() or controlUnavailableReason() changed.
    void controlAvailabilityChanged();
};

} // namespace capture
