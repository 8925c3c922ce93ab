#pragma once

#include <QObject>
#include <QString>

namespace capture {

/// --min-free-space: watches the output volume's free space and says when reading must pause
/// (less free than the margin) or may resume. Checked periodically by the engine and, between
/// those checks, after every quarter of the margin written, so that a fast stream cannot run
/// far past it.
class FreeSpaceMonitor : public QObject
{
    Q_OBJECT

public:
    /// `minimum` 0: never pauses.
    FreeSpaceMonitor(const QString &outputDir, quint64 minimum, QObject *parent = nullptr);

    bool isPaused() const { return m_paused; }

    /// Reads the free space again; emits pausedChanged() and a warning when that changes.
    void check();
    /// `bytes` more were written to the volume; checks again once enough were.
    void noteWritten(quint64 bytes);

Q_SIGNALS:
    /// Reading must stop (`paused`) or may go on: whoever reads follows it at once.
    void pausedChanged(bool paused);
    void warningRaised(const QString &message);

private:
    QString m_outputDir;
    quint64 m_minimum;
    bool m_paused = false;
    quint64 m_writtenSinceCheck = 0;
};

} // namespace capture
