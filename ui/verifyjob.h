#pragma once

#include <QObject>
#include <QString>

#include <atomic>
#include <memory>

class QThread;

namespace capture {

struct VerifyResult;
struct VerifySummary;

/// Re-hashes the files a directory's manifest.jsonl lists (capture::verifyDirectory) on a
/// worker thread, which can take minutes. Its results arrive in this object's thread, one
/// signal per file, then finished(). One check at a time; cancel() (or destruction) stops
/// the worker, waits for it and drops whatever it still posted.
class VerifyJob : public QObject
{
    Q_OBJECT

public:
    explicit VerifyJob(QObject *parent = nullptr);
    ~VerifyJob() override;

    bool isRunning() const { return m_thread != nullptr; }
    /// Starts checking `dir` (given as it should be reported). Returns false, and does
    /// nothing, while a check runs.
    bool start(const QString &dir);
    /// Stops a running check and waits for its worker; no signal of it follows. Returns
    /// whether one was running.
    bool cancel();

Q_SIGNALS:
    void result(const capture::VerifyResult &result);
    /// Bytes read of the listed files' sizes (capture::VerifyProgress), every 100 ms or so.
    void progress(qint64 done, qint64 total);
    /// The check of `dir` ended (not emitted for a cancelled one); the job is idle again.
    void finished(const QString &dir, const capture::VerifySummary &summary);

private:
    void onResult(quint64 run, const VerifyResult &result);
    void onProgress(quint64 run, qint64 done, qint64 total);
    void onFinished(quint64 run, const QString &dir, const VerifySummary &summary);

    std::unique_ptr<QThread> m_thread;
    std::atomic_bool m_cancel{false};
    quint64 m_run = 0; ///< results of an earlier, cancelled run are dropped
};

} // namespace capture
