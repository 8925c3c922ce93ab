#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <deque>
#include <functional>

#include <sys/types.h>

namespace capture {

/// Appends lines to DIR/manifest.jsonl: opened for appending (created 0640, never through a
/// symbolic link), each line whole or not at all, so a reader never sees half a line from us.
///
/// Every line of the run is kept in memory (up to maxKeptBytes), so that nothing the run
/// recorded is lost to the manifest:
/// - a manifest deleted or replaced during the run is noticed (before each append and at each
///   check()), recreated, and given every line of this run again, with one warning;
/// - a line that cannot be written (ENOSPC, EIO, directory gone) stays pending; later lines
///   queue behind it (the file keeps their order) and all are retried at every append and
///   check(). What is still pending at the end is the caller's to report.
/// A write that stores only part of a line is taken back (ftruncate) and retried whole; if
/// that fails too, the rest of the line is written first at the next try.
class ManifestWriter
{
public:
    enum class Severity { Warning, Error };
    /// Told once per event (deleted, cannot write, written again), not once per line.
    using Reporter = std::function<void(Severity severity, const QString &message)>;
    /// Bound on the kept lines; beyond it the oldest written lines are forgotten, and a line
    /// that cannot be written nor kept is lost (append returns false).
    static constexpr qint64 defaultMaxKeptBytes = 64 * 1024 * 1024;

    ManifestWriter() = default;
    ~ManifestWriter();
    ManifestWriter(const ManifestWriter &) = delete;
    ManifestWriter &operator=(const ManifestWriter &) = delete;

    void setReporter(Reporter reporter) { m_reporter = std::move(reporter); }
    void setMaxKeptBytes(qint64 bytes) { m_maxKeptBytes = bytes; }

    bool open(const QString &dir, QString *error);
    /// True: the line is in the file, or pending and retried later. False: it is lost (no
    /// room to keep it); `error` says so and holds the line.
    bool append(const QByteArray &line, QString *error);
    /// Notices a deleted or replaced manifest and retries pending lines. Cheap; call it
    /// once a second and before the end.
    void check();
    void close();
    bool isOpen() const { return m_fd >= 0; }
    QString path() const { return m_path; }

    /// Lines of this run not (yet) in the manifest, oldest first.
    QList<QByteArray> pendingLines() const;
    qsizetype pendingCount() const { return qsizetype(m_lines.size()) - m_written; }
    /// Lines append() refused because they could be neither written nor kept.
    quint64 linesLost() const { return m_lost; }
    /// Lines written, then forgotten (over maxKeptBytes), then missing from a recreated
    /// manifest.
    quint64 linesNotRewritten() const { return m_notRewritten; }

private:
    bool openFile(QString *reason);
    QString goneReason() const;
    void recreate(const QString &reason);
    void forgetWritten(qsizetype room);
    void flush();
    bool writeLine(const QByteArray &line, QString *error);
    void report(Severity severity, const QString &message);

    int m_fd = -1;
    QString m_path;
    dev_t m_dev = 0;
    ino_t m_ino = 0;
    Reporter m_reporter;
    qint64 m_maxKeptBytes = defaultMaxKeptBytes;
    std::deque<QByteArray> m_lines; // this run's kept lines; the first m_written are in the file
    qsizetype m_written = 0;
    qint64 m_keptBytes = 0;
    qsizetype m_partial = 0; // bytes of the first pending line already in the file
    quint64 m_forgotten = 0; // written lines no longer kept
    quint64 m_lost = 0;
    quint64 m_notRewritten = 0;
    bool m_failing = false; // a failure was reported; pending lines wait for a retry
    bool m_warnedForgetting = false;
};

} // namespace capture
