#include "core/util/pathchecks.h"

#include "core/util/printable.h"
#include "core/util/syserror.h"

#include <QDir>
#include <QFile>
#include <QStringList>

#include <cerrno>
#include <climits>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {
// The kernel gives up after 40 links in one lookup (ELOOP); so does the check.
constexpr int maxLinks = 40;

QString absolute(const QString &path)
{
    return QDir::isAbsolutePath(path) ? path : QDir::currentPath() + u'/' + path;
}
} // namespace

QString nonRegularFileKind(const QString &path)
{
    struct stat st
    {};
    if (path.isEmpty() || ::stat(QFile::encodeName(path).constData(), &st) != 0)
        return {};
    switch (st.st_mode & S_IFMT) {
    case S_IFREG:
        return {};
    case S_IFIFO:
        return u"a FIFO (named pipe)"_s;
    case S_IFSOCK:
        return u"a socket"_s;
    case S_IFCHR:
        return u"a character device"_s;
    case S_IFBLK:
        return u"a block device"_s;
    case S_IFDIR:
        return u"a directory"_s;
    default:
        return u"not a regular file"_s;
    }
}

bool checkOutputDirectoryLinks(const QString &path, QString *error)
{
    // Walk the path as the kernel resolves it: a link's target replaces the link, so links on
    // the way there (in a middle component, or inside a target) are checked too.
    QStringList pending = absolute(path).split(u'/', Qt::SkipEmptyParts);
    QString current; // the resolved part so far, without links; empty: the root
    int links = 0;
    while (!pending.isEmpty()) {
        const QString part = pending.takeFirst();
        if (part == u".")
            continue;
        if (part == u"..") {
            current.truncate(qMax<qsizetype>(0, current.lastIndexOf(u'/')));
            continue;
        }
        const QString candidate = current + u'/' + part;
        const QByteArray encoded = QFile::encodeName(candidate);
        struct stat st
        {};
        // What does not exist yet is created by this process; other errors are reported
        // when the directory is made.
        if (::lstat(encoded.constData(), &st) != 0)
            return true;
        if (!S_ISLNK(st.st_mode)) {
            current = candidate;
            continue;
        }
        if (st.st_uid != ::geteuid() && st.st_uid != 0) {
            *error = u"refusing output directory %1: %2 is a symbolic link owned by another "
                     "user (uid %3), who could point it anywhere"_s
                         .arg(printablePath(path), printablePath(candidate))
                         .arg(st.st_uid);
            return false;
        }
        char target[PATH_MAX];
        const ssize_t length = ::readlink(encoded.constData(), target, sizeof target);
        if (length <= 0 || ++links > maxLinks)
            return true; // the kernel will refuse it too, with its reason
        const QString text = QFile::decodeName(QByteArray(target, length));
        if (text.startsWith(u'/'))
            current.clear();
        pending = text.split(u'/', Qt::SkipEmptyParts) + pending;
    }
    return true;
}

std::optional<VolumeSize> volumeSize(const QString &path)
{
    QString dir = QDir::cleanPath(absolute(path));
    for (;;) {
        struct statvfs fs
        {};
        const QByteArray encoded = QFile::encodeName(dir);
        struct stat st
        {};
        if (::statvfs(encoded.constData(), &fs) == 0 && ::stat(encoded.constData(), &st) == 0)
            return VolumeSize{quint64(fs.f_blocks) * quint64(fs.f_frsize), dir, quint64(st.st_dev)};
        const int error = errno;
        if ((error != ENOENT && error != ENOTDIR) || dir == u"/")
            return std::nullopt;
        const qsizetype slash = dir.lastIndexOf(u'/');
        dir = slash > 0 ? dir.left(slash) : u"/"_s;
    }
}

bool makeSubdirectories(const QString &dir, const QString &subdirectories, QString *error,
                        int *errorCode)
{
    QString path = dir;
    for (const QString &component : subdirectories.split(u'/')) {
        path = QDir(path).filePath(component);
        const QByteArray encoded = QFile::encodeName(path);
        if (::mkdir(encoded.constData(), 0755) == 0)
            continue;
        int err = errno;
        struct stat st
        {};
        if (err == EEXIST && ::lstat(encoded.constData(), &st) == 0) {
            if (S_ISDIR(st.st_mode))
                continue;
            err = S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR;
        }
        if (error)
            *error = u"cannot create directory %1: %2"_s.arg(path, systemErrorString(err));
        if (errorCode)
            *errorCode = err;
        return false;
    }
    return true;
}

} // namespace capture
