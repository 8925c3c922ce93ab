#pragma once

#include <QObject>

class QSocketNotifier;

/// Turns SIGINT, SIGTERM and SIGUSR1 into a Qt signal in the thread that created it (self-pipe
/// trick: the handler only writes one byte, everything else runs in the event loop).
class SignalWatcher : public QObject
{
    Q_OBJECT

public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

    /// Installs the handlers; returns false with errorString() if that failed.
    bool install();
    QString errorString() const { return m_error; }

    static QString signalName(int signal);

Q_SIGNALS:
    void signalReceived(int signal);

private:
    void onReadable();

    QSocketNotifier *m_notifier = nullptr;
    QString m_error;
};
