#pragma once

#include "core/manifest/record.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>

namespace capture {

/// Size and digest (hex; empty with None) of a file, read in 1 MiB reads (never through a
/// symbolic link); false with the reason if it cannot be read to the end. `cancel`, when set,
/// stops early; `onRead`, when given, is told the size of each read.
bool hashFile(const QString &path, HashAlgorithm hash, qint64 *size, QString *hex, QString *error,
              const std::atomic_bool *cancel = nullptr,
              const std::function<void(qint64 bytes)> &onRead = {});

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
    QString started;                          ///< as written
    HashAlgorithm hash = HashAlgorithm::None; ///< its --hash, as its start line says
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
    /// The --hash of the last run the manifest names (xxh128, the default, when none does).
    HashAlgorithm lastHash = HashAlgorithm::Xxh128;
    bool isEmpty() const { return unlisted.isEmpty() && unstopped.isEmpty(); }
};
DirectoryLeftovers findLeftovers(const QString &dir);

/// "a, b, c and 7 more": at most `most` names.
QString namesText(const QStringList &names, qsizetype most);

/// How far a verifyDirectory() has come: bytes of the listed files read of all the listed
/// sizes of the files it checks (lost and deleted ones are not read).
using VerifyProgress = std::function<void(qint64 done, qint64 total)>;

/// Re-hashes every file DIR/manifest.jsonl lists (the last line for a name counts) and reports
/// each through `report`, in manifest order. `cancel`, when given and set, stops early.
/// `progress`, when given, is called at most every 100 ms while files are read, after each
/// file that took longer, and once at the end with done == total.
VerifySummary verifyDirectory(const QString &dir,
                              const std::function<void(const VerifyResult &)> &report,
                              const std::atomic_bool *cancel = nullptr,
                              const VerifyProgress &progress = {});

} // namespace capture
