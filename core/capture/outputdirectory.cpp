#include "core/capture/outputdirectory.h"

#include "core/util/syserror.h"

#include <QFile>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;

namespace capture {

bool makeDirectory(const QString &path, QString *error)
{
    const QByteArray encoded = QFile::encodeName(path);
    struct stat st
    {};
    if (::stat(encoded.constData(), &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return true;
        *error = u"cannot use output directory %1: not a directory"_s.arg(path);
        return false;
    }
    const qsizetype slash = path.lastIndexOf(u'/');
    if (slash > 0 && !makeDirectory(path.left(slash), error))
        return false;
    if (::mkdir(encoded.constData(), 0755) != 0 && errno != EEXIST) {
        *error = u"cannot create output directory %1: %2"_s.arg(path, systemErrorString(errno));
        return false;
    }
    return true;
}

OutputDirectory::~OutputDirectory()
{
    close();
}

bool OutputDirectory::open(const QString &path, QString *error)
{
    close();
    if (!makeDirectory(path, error))
        return false;
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st
    {};
    if (fd < 0 || ::fstat(fd, &st) != 0) {
        *error = u"cannot open output directory %1: %2"_s.arg(path, systemErrorString(errno));
        if (fd >= 0)
            ::close(fd);
        return false;
    }
    m_path = path;
    m_fd = fd;
    m_device = st.st_dev;
    m_inode = st.st_ino;
    return true;
}

void OutputDirectory::close()
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
}

OutputDirectory::Change OutputDirectory::check() const
{
    if (m_fd < 0)
        return Change::None;
    struct stat held
    {};
    if (::fstat(m_fd, &held) == 0 && held.st_nlink == 0)
        return Change::Deleted;
    struct stat named
    {};
    if (::stat(QFile::encodeName(m_path).constData(), &named) != 0)
        return errno == ENOENT || errno == ENOTDIR ? Change::Moved : Change::None;
    if (named.st_dev != m_device || named.st_ino != m_inode)
        return Change::Moved;
    return Change::None;
}

QString OutputDirectory::describe(Change change)
{
    switch (change) {
    case Change::None:
        break;
    case Change::Deleted:
        return u"deleted"_s;
    case Change::Moved:
        return u"moved or replaced"_s;
    }
    return {};
}

} // namespace capture
