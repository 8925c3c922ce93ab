#pragma once

#include "core/capture/capturesettings.h"
#include "core/capture/capturetypes.h"
#include "core/capture/receiver.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace capture {

/// The JSON of a receiver elsewhere read back into the value types: the inverse of
/// statsjson.cpp, settingsjson.cpp and the events' fields (eventstream.cpp), in one place.
/// A missing or mistyped field reads as the type's default; nothing here throws or fails on
/// a field a newer receiver added.

/// One GET /status answer.
struct RemoteStatus
{
    QString version;
    double uptimeSeconds = 0; ///< of the receiver's process (it went back: a restart)
    QString instance;         ///< random per process (another one: a restart); may be absent
    RunState state = RunState::Idle;
    qint64 runNumber = 0;
    bool control = false; ///< the control API is on (--control-token-file)
    QString failure;      ///< why the last start failed, if it did
    CaptureSettings settings;
    StatsSnapshot snapshot; ///< ports, open connections and files, totals
};

/// Reads a /status answer; nullopt with `error` when it is not a JSON object with a state.
std::optional<RemoteStatus> parseStatus(const QByteArray &json, QString *error);

/// The word of runStateName() back: "stopped", "starting", "running", "stopping", "failed".
std::optional<RunState> runStateFromName(const QString &name);

/// ISO-8601 with milliseconds and offset (manifestTime()) back; invalid for null or "".
QDateTime timeFromJson(const QJsonValue &value);

/// "192.0.2.7:40112" or "[2001:db8::1]:40112" (endpointText()) into the connection's peer.
void readPeer(const QString &text, ConnectionInfo *connection);

PortStats portStatusFromJson(const QJsonObject &object);
ConnectionInfo connectionFromStatusJson(const QJsonObject &object);
FileInfo openFileFromStatusJson(const QJsonObject &object);
/// The totals into `snapshot` (its ports, connections and files untouched).
void readTotals(const QJsonObject &object, StatsSnapshot *snapshot);
/// What settingsJson() gives; TLS only as on or off, with or without client certificates.
CaptureSettings settingsFromJson(const QJsonObject &object);
PortSummary portSummaryFromJson(const QJsonObject &object);
StopSummary stopSummaryFromJson(const QJsonObject &object);
HookResult hookResultFromJson(const QJsonObject &object);

/// The connection of a connection_opened or connection_closed event (`time`: the event's;
/// a closed one's opening time is `time` less its duration).
ConnectionInfo connectionFromEventJson(const QJsonObject &object, bool closed);
/// The file of a file_opened, file_closed, file_deleted, file_lost or write_error event
/// (`kind`), its state and reason as that event says them.
FileInfo fileFromEventJson(const QString &kind, const QJsonObject &object);

} // namespace capture
