#include "pathchecks.h"

#include <QDir>
#include <QFile>

#include <cerrno>
#include <sys/stat.h>
#include <sys/statvfs.h>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {
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

std::optional<VolumeSize> volumeSize(const QString &path)
{
    QString dir = QDir::cleanPath(absolute(path));
    for (;;) {
        struct statvfs fs
        {};
        const QByteArray encoded = QFile::encodeName(dir);
        if (::statvfs(encoded.constData(), &fs) == 0)
            return VolumeSize{quint64(fs.f_blocks) * quint64(fs.f_frsize), dir};
        const int error = errno;
        if ((error != ENOENT && error != ENOTDIR) || dir == u"/")
            return std::nullopt;
        const qsizetype slash = dir.lastIndexOf(u'/');
        dir = slash > 0 ? dir.left(slash) : u"/"_s;
    }
}

} // namespace capture
