#pragma once

#include "core/capture/capturetypes.h"

#include <QElapsedTimer>
#include <QObject>
#include <QStringList>

#include <deque>
#include <memory>
#include <vector>

class QProcess;
class QTimer;

namespace capture {

/// --on-file-closed: runs a command for every closed file, with the file's path as its last
/// argument and CAPTURE_FILE, CAPTURE_PORT, CAPTURE_RUN, CAPTURE_BYTES, CAPTURE_DIGEST,
/// CAPTURE_DIGEST_ALGORITHM and CAPTURE_CLOSE_REASON in its environment; never through a shell.
/// At most `jobs` at once, the rest waiting in order (at most `maxWaiting`; beyond, the file's
/// command is not run and that is reported). A command still running after the timeout gets
/// SIGTERM, then SIGKILL 5 s later. Nothing a command does can stop or slow the capture: the
/// runner only starts processes and reads what they write, in the engine's event loop. It
/// outlives runs: a run's last files are still handed on after it stopped.
class HookRunner : public QObject
{
    Q_OBJECT

public:
    static constexpr int killAfterTermMs = 5000;
    static constexpr qsizetype outputKept = 2048; ///< bytes of a command's last output kept

    explicit HookRunner(QObject *parent = nullptr);
    /// Waits for what is running and waiting (waitForAll()).
    ~HookRunner() override;

    /// The command (split into words as a shell would, run directly), how many at once, how
    /// many may wait, and the timeout, for the files closed from now on.
    void configure(const QString &command, int jobs, int maxWaiting, qint64 timeoutSec);

    /// `info` was closed (and its manifest line written): runs the command for it. Returns
    /// false (and counts it as dropped) when maxWaiting() files already wait.
    bool fileClosed(const FileInfo &info);

    /// Commands waiting or running.
    int pending() const { return int(m_waiting.size() + m_running.size()); }
    quint64 succeeded() const { return m_succeeded; }
    quint64 failed() const { return m_failed; }
    quint64 dropped() const { return m_dropped; }
    int maxWaiting() const { return m_maxWaiting; }

    /// Runs what waits and waits for all to end, each bounded by its timeout (then SIGTERM,
    /// SIGKILL): for the end of the process, when no event loop runs any more.
    void waitForAll();

Q_SIGNALS:
    void finished(const capture::HookResult &result);
    /// Nothing is waiting or running any more.
    void idle();

private:
    struct Job
    {
        QStringList command;
        qint64 timeoutMs = 0;
        FileInfo file;
        std::unique_ptr<QProcess> process;
        QTimer *timer = nullptr;
        QElapsedTimer clock;
        QByteArray output;
        bool terminated = false; ///< SIGTERM sent after the timeout
        bool done = false;
    };

    void startWaiting();
    void start(std::unique_ptr<Job> job);
    void onTimeout(Job *job);
    void finish(Job *job, const QString &error);
    HookResult resultOf(const Job &job, const QString &error) const;

    QStringList m_command;
    int m_jobs = 2;
    int m_maxWaiting = 10000;
    qint64 m_timeoutMs = 300000;
    std::deque<std::unique_ptr<Job>> m_waiting;
    std::vector<std::unique_ptr<Job>> m_running;
    quint64 m_succeeded = 0;
    quint64 m_failed = 0;
    quint64 m_dropped = 0;
};

/// `text` split into words as a POSIX shell would (blanks; '…' literal; "…" with \\, \", \$
/// and \` escaped; \ before any other character), without expanding anything. Empty with
/// `problem` set when a quote is not closed.
QStringList splitShellWords(const QString &text, QString *problem);

/// The words of `command` (splitShellWords()), and whether its program can be run: empty
/// with `problem` set when it cannot.
QStringList splitHookCommand(const QString &command, QString *problem);

} // namespace capture
