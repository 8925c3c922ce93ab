#pragma once

#include "core/capture/capturetypes.h"

#include <QObject>

namespace capture {

/// Where the parts of a run report what happens, each part straight to it: the engine
/// connects to it once per run and passes it on as its own signals. The parts emit these
/// signals themselves (`Q_EMIT events->fileOpened(info)`).
class CaptureEvents : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

Q_SIGNALS:
    void connectionOpened(const capture::ConnectionInfo &info);
    /// The connection's first byte reached its file (info.file).
    void connectionRecording(const capture::ConnectionInfo &info);
    void connectionClosed(const capture::ConnectionInfo &info);
    void fileOpened(const capture::FileInfo &info);
    void fileClosed(const capture::FileInfo &info);
    /// A closed file was deleted to keep --max-files.
    void fileDeleted(const capture::FileInfo &info);
    /// A file of this run is gone (State::Lost, `error` says why).
    void fileLost(const capture::FileInfo &info);
    void writeFailed(const capture::FileInfo &info);
    void warningRaised(const QString &message);
    void errorRaised(const QString &message);
};

} // namespace capture
