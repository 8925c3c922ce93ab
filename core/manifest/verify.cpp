#include "core/manifest/verify.h"

#include "core/util/digest.h"
#include "core/util/syserror.h"

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QScopeGuard>
#include <QSysInfo>

#include <cerrno>
#include <fcntl.h>
#include <limits>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;

namespace capture {

bool hashFile(const QString &path, HashAlgorithm hash, qint64 *size, QString *hex, QString *error,
              const std::atomic_bool *cancel, const std::function<void(qint64 bytes)> &onRead)
{
    const QByteArray encoded = QFile::encodeName(path);
    const int fd = ::open(encoded.constData(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        *error = systemErrorString(errno);
        return false;
    }
    Digest digest(hash);
    std::vector<char> buffer(1024 * 1024);
    *size = 0;
    for (;;) {
        if (cancel && cancel->load()) {
            ::close(fd);
            *error = u"cancelled"_s;
            return false;
        }
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            *error = systemErrorString(errno);
            ::close(fd);
            return false;
        }
        digest.update(buffer.data(), n);
        *size += n;
        if (onRead)
            onRead(n);
    }
    ::close(fd);
    *hex = QString::fromLatin1(digest.finalHex());
    return true;
}

QString verifyStatusName(VerifyResult::Status status)
{
    switch (status) {
    case VerifyResult::Status::Ok:
        return u"OK"_s;
    case VerifyResult::Status::Mismatch:
        return u"MISMATCH"_s;
    case VerifyResult::Status::Missing:
        return u"MISSING"_s;
    case VerifyResult::Status::Deleted:
        return u"DELETED"_s;
    case VerifyResult::Status::Invalid:
        return u"INVALID"_s;
    case VerifyResult::Status::Lost:
        return u"LOST"_s;
    case VerifyResult::Status::Unlisted:
        return u"UNLISTED"_s;
    case VerifyResult::Status::Unstopped:
        return u"UNSTOPPED"_s;
    case VerifyResult::Status::Running:
        return u"RUNNING"_s;
    case VerifyResult::Status::Open:
        return u"OPEN"_s;
    }
    return {};
}

QString VerifySummary::text() const
{
    if (!error.isEmpty())
        return error;
    QString s = u"%1 file(s): %2 OK, %3 MISMATCH, %4 MISSING, %5 DELETED"_s
                    .arg(ok + mismatch + missing + deleted + lost + unlisted + open)
                    .arg(ok)
                    .arg(mismatch)
                    .arg(missing)
                    .arg(deleted);
    if (lost > 0)
        s += u", %1 LOST"_s.arg(lost);
    if (unlisted > 0)
        s += u", %1 UNLISTED"_s.arg(unlisted);
    if (open > 0)
        s += u", %1 OPEN"_s.arg(open);
    if (unstopped > 0)
        s += u"; %1 run(s) UNSTOPPED"_s.arg(unstopped);
    if (running > 0)
        s += u"; %1 run(s) RUNNING"_s.arg(running);
    if (invalid > 0)
        s += u", %1 invalid manifest line(s)"_s.arg(invalid);
    return s;
}

namespace {

struct Listed
{
    QString file;
    QString doneDir; ///< --done-dir it was moved to; empty: in the directory
    qint64 bytes = -1;
    FileDigest digest;
    bool deleted = false;
    QString deletedReason;
    bool lost = false; ///< a "lost" line: the receiver reported the file gone during its run
    QString lostReason;
};

} // namespace

namespace {

/// What a manifest says, line by line: the files it lists (the last line for a name counts),
/// the runs that wrote it and the lines that are not the receiver's.
struct ManifestContents
{
    QString error; ///< the manifest could not be read
    QList<Listed> listed;
    QHash<QString, qsizetype> index;    ///< where a file is (listedKey()) -> listed
    QList<QPair<int, QString>> invalid; ///< line number, why
    QList<ManifestRun> runs;            ///< in the order they started
};

/// What tells two listed files apart: where they are. A file moved to a --done-dir may share
/// its name with a later one in the directory.
QString listedKey(const QString &file, const QString &doneDir)
{
    return doneDir.isEmpty() ? file : QDir::cleanPath(QDir(doneDir).filePath(file));
}

ManifestContents readManifest(const QString &dir)
{
    ManifestContents contents;
    const QString manifestPath = QDir(dir).filePath(QString::fromUtf16(manifestFileName));
    QFile manifest(manifestPath);
    if (!QFileInfo(dir).isDir()) {
        contents.error = u"%1 is not a directory"_s.arg(dir);
        return contents;
    }
    if (!QFileInfo(manifestPath).isFile() || !manifest.open(QIODevice::ReadOnly)) {
        contents.error = u"cannot read %1: %2"_s.arg(
            manifestPath, manifest.exists() ? manifest.errorString() : u"no such file"_s);
        return contents;
    }
    QHash<QString, qsizetype> runIndex;
    for (int number = 1; !manifest.atEnd(); ++number) {
        const QByteArray text = manifest.readLine().trimmed();
        if (text.isEmpty())
            continue;
        const ManifestRecord record = readManifestRecord(text);
        switch (record.type) {
        case ManifestRecord::Type::Invalid:
            contents.invalid.append({number, record.invalidReason});
            break;
        case ManifestRecord::Type::RunStart:
        case ManifestRecord::Type::RunStop: {
            auto it = runIndex.constFind(record.run);
            if (it == runIndex.constEnd()) {
                ManifestRun run;
                run.id = record.run;
                it = runIndex.insert(record.run, contents.runs.size());
                contents.runs.append(run);
            }
            ManifestRun &run = contents.runs[*it];
            if (record.type == ManifestRecord::Type::RunStart) {
                run.host = record.host;
                run.pid = record.pid;
                run.started = record.time;
                run.hash = record.hash;
            } else {
                run.stopped = true;
            }
            break;
        }
        case ManifestRecord::Type::Deleted: {
            const auto it = contents.index.constFind(record.file);
            if (it != contents.index.constEnd()) {
                contents.listed[*it].deleted = true;
                contents.listed[*it].deletedReason = record.reason;
            }
            break;
        }
        case ManifestRecord::Type::File:
        case ManifestRecord::Type::Lost: {
            Listed entry{record.file,
                         record.doneDir,
                         record.bytes,
                         record.digest,
                         false,
                         {},
                         record.type == ManifestRecord::Type::Lost,
                         record.reason};
            const QString key = listedKey(record.file, record.doneDir);
            const auto it = contents.index.constFind(key);
            if (it != contents.index.constEnd()) {
                contents.listed[*it] = entry;
            } else {
                contents.index.insert(key, contents.listed.size());
                contents.listed.append(entry);
            }
            break;
        }
        }
    }
    return contents;
}

/// The regular files in `dir` and its sub-directories (--name-template) that no manifest line
/// names (the manifest itself aside), relative to `dir`. Files moved to a --done-dir inside it
/// are named by their lines.
QStringList unlistedFiles(const QString &dir, const ManifestContents &contents)
{
    QStringList unlisted;
    const QDir directory(QFileInfo(dir).absoluteFilePath());
    QDirIterator it(directory.path(), QDir::Files | QDir::Hidden | QDir::NoSymLinks,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        const QString name = directory.relativeFilePath(path);
        if (name == QString::fromUtf16(manifestFileName) || contents.index.contains(name) ||
            contents.index.contains(QDir::cleanPath(QFileInfo(path).absoluteFilePath())))
            continue;
        unlisted.append(name);
    }
    unlisted.sort();
    return unlisted;
}

QDateTime fileModified(const QString &path)
{
    return QFileInfo(path).lastModified();
}

} // namespace

bool ManifestRun::isAlive() const
{
    if (pid <= 0 || pid > std::numeric_limits<pid_t>::max() || host != QSysInfo::machineHostName())
        return false;
    // The process is there and is a receiver (not another that got its pid since).
    QFile comm(u"/proc/%1/comm"_s.arg(pid));
    return comm.open(QIODevice::ReadOnly) && comm.readAll().startsWith("capture-recei");
}

QString ManifestRun::whereAndWhen() const
{
    return u"pid %1 on %2, started %3"_s.arg(pid).arg(host.isEmpty() ? u"?"_s : host,
                                                      started.isEmpty() ? u"?"_s : started);
}

QString ManifestRun::describe() const
{
    return u"run %1 (%2)"_s.arg(id, whereAndWhen());
}

DirectoryLeftovers findLeftovers(const QString &dir)
{
    DirectoryLeftovers leftovers;
    if (!QFileInfo(QDir(dir).filePath(QString::fromUtf16(manifestFileName))).exists()) {
        // No manifest at all: every file in the directory is unlisted.
        leftovers.unlisted = unlistedFiles(dir, ManifestContents{});
        return leftovers;
    }
    const ManifestContents contents = readManifest(dir);
    if (!contents.error.isEmpty()) {
        leftovers.error = contents.error;
        return leftovers;
    }
    leftovers.unlisted = unlistedFiles(dir, contents);
    if (!contents.runs.isEmpty() && contents.runs.last().hash != HashAlgorithm::None)
        leftovers.lastHash = contents.runs.last().hash;
    for (const ManifestRun &run : contents.runs) {
        if (run.stopped)
            continue;
        (run.isAlive() ? leftovers.running : leftovers.unstopped).append(run);
    }
    return leftovers;
}

QString namesText(const QStringList &names, qsizetype most)
{
    QString text = names.mid(0, most).join(u", "_s);
    if (names.size() > most)
        text += u" and %1 more"_s.arg(names.size() - most);
    return text;
}

VerifySummary verifyDirectory(const QString &dir,
                              const std::function<void(const VerifyResult &)> &report,
                              const std::atomic_bool *cancel, const VerifyProgress &progress)
{
    VerifySummary summary;
    const QDir directory(dir);
    const ManifestContents contents = readManifest(dir);
    if (!contents.error.isEmpty()) {
        summary.error = contents.error;
        return summary;
    }
    for (const auto &[number, why] : contents.invalid) {
        ++summary.invalid;
        report({VerifyResult::Status::Invalid, u"line %1"_s.arg(number), why});
    }

    // Progress in bytes: the listed sizes of the files to read, told at most every 100 ms.
    qint64 total = 0;
    for (const Listed &entry : std::as_const(contents.listed)) {
        if (!entry.lost && !entry.deleted)
            total += entry.bytes;
    }
    qint64 done = 0;
    QElapsedTimer sinceTold;
    sinceTold.start();
    const auto tell = [&](bool always) {
        if (progress && (always || sinceTold.hasExpired(100))) {
            progress(std::min(done, total), total);
            sinceTold.restart();
        }
    };

    for (const Listed &entry : std::as_const(contents.listed)) {
        if (cancel && cancel->load())
            break;
        const qint64 doneBefore = done;
        // A file read in full counts its listed size, whatever it holds now.
        const auto fileDone = qScopeGuard([&] {
            if (!entry.lost && !entry.deleted)
                done = doneBefore + entry.bytes;
            tell(false);
        });
        VerifyResult result;
        result.file =
            entry.doneDir.isEmpty() ? entry.file : QDir(entry.doneDir).filePath(entry.file);
        const QString path = manifestFilePath(dir, entry.file, entry.doneDir);
        if (entry.lost) {
            result.status = VerifyResult::Status::Lost;
            result.detail =
                u"%1 bytes were written into it, then it was lost (%2)"_s.arg(entry.bytes)
                    .arg(entry.lostReason);
            ++summary.lost;
            report(result);
            continue;
        }
        if (entry.deleted) {
            result.status = VerifyResult::Status::Deleted;
            result.detail = u"deleted by the receiver (%1)"_s.arg(entry.deletedReason);
            ++summary.deleted;
            report(result);
            continue;
        }
        if (!QFileInfo::exists(path) && !QFileInfo(path).isSymLink()) {
            result.status = VerifyResult::Status::Missing;
            result.detail = entry.doneDir.isEmpty()
                                ? u"listed with %1 bytes, not in the directory"_s.arg(entry.bytes)
                                : u"listed with %1 bytes, not in --done-dir %2"_s.arg(entry.bytes)
                                      .arg(entry.doneDir);
            ++summary.missing;
            report(result);
            continue;
        }
        qint64 size = 0;
        QString hex;
        QString error;
        const auto onRead = [&](qint64 bytes) {
            done += bytes;
            tell(false);
        };
        if (!hashFile(path, entry.digest.isEmpty() ? HashAlgorithm::None : entry.digest.algorithm,
                      &size, &hex, &error, cancel, onRead)) {
            if (cancel && cancel->load())
                break;
            result.status = VerifyResult::Status::Mismatch;
            result.detail = u"cannot read: %1"_s.arg(error);
        } else if (size != entry.bytes) {
            result.status = VerifyResult::Status::Mismatch;
            result.detail = u"%1 bytes, the manifest says %2"_s.arg(size).arg(entry.bytes);
        } else if (!entry.digest.isEmpty() && hex != entry.digest.hex) {
            result.status = VerifyResult::Status::Mismatch;
            result.detail = u"%1 %2, the manifest says %3"_s.arg(
                hashAlgorithmName(entry.digest.algorithm), hex, entry.digest.hex);
        } else {
            result.status = VerifyResult::Status::Ok;
            result.detail = entry.digest.isEmpty()
                                ? u"%1 bytes (size only: recorded with --hash none)"_s.arg(size)
                                : u"%1 bytes, %2 %3"_s.arg(size).arg(
                                      hashAlgorithmName(entry.digest.algorithm), hex);
        }
        ++(result.status == VerifyResult::Status::Ok ? summary.ok : summary.mismatch);
        report(result);
    }
    if (cancel && cancel->load())
        return summary;
    tell(true);

    // What the manifest does not account for: files no line names, runs that never stopped.
    // A receiver running in the directory now is writing files it has not listed yet.
    QDateTime runningSince;
    for (const ManifestRun &run : contents.runs) {
        if (run.stopped)
            continue;
        if (run.isAlive()) {
            const QDateTime started = QDateTime::fromString(run.started, Qt::ISODateWithMs);
            if (!runningSince.isValid() || started < runningSince)
                runningSince = started;
            report({VerifyResult::Status::Running, run.id,
                    u"%1: recording here now, the files it writes are listed when they "
                    "close"_s.arg(run.whereAndWhen())});
            ++summary.running;
            continue;
        }
        report({VerifyResult::Status::Unstopped, run.id,
                u"%1: never stopped (killed or crashed?), `capture-receiver recover` closes its "
                "record"_s.arg(run.whereAndWhen())});
        ++summary.unstopped;
    }
    for (const QString &name : unlistedFiles(dir, contents)) {
        const QString path = directory.filePath(name);
        if (runningSince.isValid() && fileModified(path) >= runningSince) {
            report(
                {VerifyResult::Status::Open, name,
                 u"%1 bytes, being written by the running receiver"_s.arg(QFileInfo(path).size())});
            ++summary.open;
            continue;
        }
        report({VerifyResult::Status::Unlisted, name,
                u"%1 bytes, not in the manifest (left by a crash?): `capture-receiver recover` "
                "adopts it"_s.arg(QFileInfo(path).size())});
        ++summary.unlisted;
    }
    return summary;
}

} // namespace capture
