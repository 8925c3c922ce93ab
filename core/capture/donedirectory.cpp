#include "core/capture/donedirectory.h"

#include "core/capture/filenaming.h"
#include "core/util/pathchecks.h"
#include "core/util/syserror.h"

#include <QDir>
#include <QFile>

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

constexpr int maxNameAttempts = 10000;

/// rename(2) that never replaces `to`: EEXIST when it exists.
int renameNoReplace(const QByteArray &from, const QByteArray &to)
{
    if (::renameat2(AT_FDCWD, from.constData(), AT_FDCWD, to.constData(), RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return errno;
    // A file system without RENAME_NOREPLACE: link(2) never replaces either.
    if (::link(from.constData(), to.constData()) != 0)
        return errno;
    ::unlink(from.constData());
    return 0;
}

} // namespace

bool DoneDirectory::open(const QString &outputDir, const QString &doneDir, QString *error)
{
    const QString absolute = QDir::cleanPath(QDir(doneDir).absolutePath());
    if (!QDir().mkpath(absolute)) {
        *error = u"cannot create --done-dir %1"_s.arg(absolute);
        return false;
    }
    const auto output = volumeSize(outputDir);
    const auto done = volumeSize(absolute);
    if (!output || !done) {
        *error = u"cannot tell the file system of --done-dir %1"_s.arg(absolute);
        return false;
    }
    if (output->device != done->device) {
        *error = u"--done-dir %1 is not on the file system of the output directory %2: files "
                 "are moved there with rename(2), which cannot cross file systems"_s.arg(
                     absolute, QDir(outputDir).absolutePath());
        return false;
    }
    m_outputDir = outputDir;
    m_path = absolute;
    return true;
}

void DoneDirectory::removeEmptyDirectories(const QString &name) const
{
    // The template's sub-directories the file was in, deepest first, while they are empty
    // (rmdir(2) removes nothing else); the next file that needs one makes it again.
    for (qsizetype slash = name.lastIndexOf(u'/'); slash > 0;
         slash = name.lastIndexOf(u'/', slash - 1)) {
        if (::rmdir(QFile::encodeName(QDir(m_outputDir).filePath(name.left(slash))).constData()) !=
            0)
            break;
    }
}

bool DoneDirectory::moveIn(ManifestFile *record, FileInfo *info, QString *error) const
{
    const QString from = QDir(m_outputDir).filePath(record->file);
    if (const qsizetype slash = record->file.lastIndexOf(u'/'); slash > 0) {
        if (!makeSubdirectories(m_path, record->file.left(slash), error))
            return false;
    }
    const QByteArray fromEncoded = QFile::encodeName(from);
    for (int n = 1; n <= maxNameAttempts; ++n) {
        const QString name = FileNaming::numberedName(record->file, n);
        const QString to = QDir(m_path).filePath(name);
        const int err = renameNoReplace(fromEncoded, QFile::encodeName(to));
        if (err == EEXIST)
            continue;
        if (err != 0) {
            *error = u"cannot move %1 to %2: %3"_s.arg(from, to, systemErrorString(err));
            return false;
        }
        removeEmptyDirectories(record->file);
        record->file = name;
        record->doneDir = m_path;
        info->movedFrom = info->path;
        info->path = to;
        info->name = name;
        return true;
    }
    *error = u"cannot move %1 into %2: %3 numbered names are taken"_s.arg(from, m_path)
                 .arg(maxNameAttempts);
    return false;
}

} // namespace capture
