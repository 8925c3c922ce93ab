#pragma once

#include "core/capture/capturesettings.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <atomic>
#include <deque>
#include <functional>

#include <sys/types.h>

namespace capture {

/// The manifest's file name, in the output directory.
inline constexpr char16_t manifestFileName[] = u"manifest.jsonl";

/// One connection's part of one file.
struct ManifestConnection
{
    quint64 id = 0;
    QString peer;       ///< "192.0.2.7:40112", "[2001:db8::1]:40112"
    QString tlsSubject; ///< TLS with --tls-ca: the client certificate's verified subject
    QDateTime opened;
    QDateTime closed;         ///< invalid while the connection goes on in the next file
    QString closeReason;      ///< set with closed
    quint64 bytes = 0;        ///< of this connection, in this file
    quint64 offset = 0;       ///< where its first byte is in this file
    bool interleaved = false; ///< its bytes are not one contiguous range (split=port overlap)
};

/// The manifest line of one closed file.
struct ManifestFile
{
    QString file; ///< name within the output directory
    quint16 port = 0;
    SplitMode split = SplitMode::Port;
    quint64 bytes = 0;
    QString sha256; ///< empty with --hash none (written as null)
    QDateTime opened;
    QDateTime closed;
    QString closeReason;
    QList<ManifestConnection> connections;
    /// Connections that wrote to the file beyond the first maxListedConnections (not listed).
    quint64 unlistedConnections = 0;
    static constexpr qsizetype maxListedConnections = 10000;
};

/// ISO-8601 local time with milliseconds and UTC offset: 2026-11-21T14:03:07.123+01:00.
QString manifestTime(const QDateTime &time);

/// One JSON line (with its newline) for a closed file.
QByteArray manifestFileLine(const ManifestFile &file);

/// One JSON line recording that a listed file was deleted (by --max-files).
QByteArray manifestDeletionLine(const QString &file, quint16 port, const QDateTime &time,
                                const QString &reason);

/// A file this run wrote that is gone: its directory was deleted, moved or replaced, or the
/// file itself was deleted while it was written.
struct LostFile
{
    QString file; ///< name within the output directory
    quint16 port = 0;
    quint64 bytes = 0; ///< written into it
    QString sha256;    ///< of what was written; empty with --hash none (null)
};

/// One JSON line recording that a file of this run is lost, and why.
QByteArray manifestLostLine(const LostFile &file, const QDateTime &time, const QString &reason);

/// Size and SHA-256 (hex) of a file, read in 1 MiB reads (never through a symbolic link);
/// false with the reason if it cannot be read to the end. `cancel`, when set, stops early.
bool hashFile(const QString &path, qint64 *size, QString *hex, QString *error,
              const std::atomic_bool *cancel = nullptr);

/// A run's id in the manifest: its start time (UTC) and process id, "20261203T224501.123Z-4242".
QString newRunId();

/// One JSON line for the start of a run: its id, time, the receiver's version, the host, the
/// process id and the settings.
QByteArray manifestRunStartLine(const QString &run, const QDateTime &time,
                                const QJsonObject &settings);

/// One JSON line for the end of a run, with `figures` (bytes received and written, …).
/// `recover` writes one marked "recovered": true for a run that never stopped.
QByteArray manifestRunStopLine(const QString &run, const QDateTime &time,
                               const QJsonObject &figures);

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

/// The result for one file of a manifest.
struct VerifyResult
{
    enum class Status {
        Ok,
        Mismatch,
        Missing,
        Deleted,
        Invalid,
        Lost,
        Unlisted,  ///< a file in the directory no manifest line names
        Unstopped, ///< a run with a start line and no stop line, whose receiver is gone
        Running,   ///< a run whose receiver is recording in the directory now (not a problem)
        Open,      ///< an unlisted file the running receiver is still writing (not a problem)
    };
    Status status = Status::Ok;
    QString file;   ///< name as listed (for Invalid: "line N"; for runs: the run's id)
    QString detail; ///< what was compared or what is wrong
};

/// "OK", "MISMATCH", "MISSING", "DELETED", "INVALID", "LOST", "UNLISTED", "UNSTOPPED",
/// "RUNNING", "OPEN".
QString verifyStatusName(VerifyResult::Status status);

struct VerifySummary
{
    QString error; ///< set when the manifest itself could not be read: nothing was checked
    int ok = 0;
    int mismatch = 0;
    int missing = 0;
    int deleted = 0;   ///< deleted by --max-files, as the manifest records: not a problem
    int invalid = 0;   ///< manifest lines that are not what the receiver writes
    int lost = 0;      ///< files the receiver reported lost during its run ("lost" lines)
    int unlisted = 0;  ///< files in the directory the manifest does not name
    int unstopped = 0; ///< runs that started and never stopped
    int running = 0;   ///< runs recording in the directory now
    int open = 0;      ///< unlisted files a running receiver is writing
    bool passed() const
    {
        return error.isEmpty() && mismatch == 0 && missing == 0 && invalid == 0 && lost == 0 &&
               unlisted == 0 && unstopped == 0;
    }
    QString text() const; ///< "12 files: 11 OK, 1 MISMATCH, 0 MISSING, 0 DELETED"
};

/// A run of the receiver as its manifest lines tell it.
struct ManifestRun
{
    QString id;
    QString host;
    qint64 pid = 0;
    QString started; ///< as written
    bool stopped = false;
    /// Its receiver is running now: same host, the pid is a capture-receiver.
    bool isAlive() const;
    /// "pid N on HOST, started TIME".
    QString whereAndWhen() const;
    /// "run ID (pid N on HOST, started TIME)".
    QString describe() const;
};

/// What a crash (kill -9, power cut) leaves in an output directory: files the manifest does
/// not name and runs that never stopped; and receivers recording there now.
struct DirectoryLeftovers
{
    QString error; ///< the manifest exists but cannot be read
    QStringList unlisted;
    QList<ManifestRun> unstopped;
    QList<ManifestRun> running;
    bool isEmpty() const { return unlisted.isEmpty() && unstopped.isEmpty(); }
};
DirectoryLeftovers findLeftovers(const QString &dir);

/// "a, b, c and 7 more": at most `most` names.
QString namesText(const QStringList &names, qsizetype most);

/// Re-hashes every file DIR/manifest.jsonl lists (the last line for a name counts) and reports
/// each through `report`, in manifest order. `cancel`, when given and set, stops early.
VerifySummary verifyDirectory(const QString &dir,
                              const std::function<void(const VerifyResult &)> &report,
                              const std::atomic_bool *cancel = nullptr);

} // namespace capture
