#include "core/capture/filesink.h"

#include "core/capture/filenaming.h"
#include "core/util/fdio.h"
#include "core/util/pathchecks.h"
#include "core/util/syserror.h"

#include <QDir>
#include <QFile>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;

namespace capture {

bool DescriptorReserve::reserve()
{
    if (m_fd < 0)
        m_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    return m_fd >= 0;
}

bool DescriptorReserve::release()
{
    if (m_fd < 0)
        return false;
    ::close(m_fd);
    m_fd = -1;
    return true;
}

bool FileSink::isUnlinked() const
{
    struct stat st
    {};
    return m_fd >= 0 && ::fstat(m_fd, &st) == 0 && st.st_nlink == 0;
}

namespace {
constexpr int maxNameAttempts = 10000;

} // namespace

FileSink::FileSink(int fd, const QString &dir, QString name)
    : m_fd(fd)
    , m_path(QDir(dir).filePath(name))
    , m_name(std::move(name))
    , m_opened(QDateTime::currentDateTime())
{}

FileSink::~FileSink()
{
    close();
}

std::unique_ptr<FileSink> FileSink::create(const QString &dir, const QString &fileName,
                                           QString *error, int *errorCode)
{
    QString name;
    const int fd = openExclusive(dir, fileName, &name, error, errorCode);
    return fd < 0 ? nullptr : std::unique_ptr<FileSink>(new FileSink(fd, dir, name));
}

int FileSink::openExclusive(const QString &dir, const QString &fileName, QString *name,
                            QString *error, int *errorCode)
{
    const QDir directory(dir);
    if (const qsizetype slash = fileName.lastIndexOf(u'/'); slash > 0) {
        if (!makeSubdirectories(dir, fileName.left(slash), error, errorCode))
            return -1;
    }
    for (int n = 1; n <= maxNameAttempts; ++n) {
        const QString numbered = FileNaming::numberedName(fileName, n);
        const QString candidate = directory.filePath(numbered);
        const QByteArray encoded = QFile::encodeName(candidate);
        const int fd =
            ::open(encoded.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
        if (fd >= 0) {
            *name = numbered;
            return fd;
        }
        const int err = errno;
        if (err == EEXIST)
            continue;
        if (error)
            *error = u"cannot create %1: %2"_s.arg(candidate, systemErrorString(err));
        if (errorCode)
            *errorCode = err; // callers tell "out of descriptors" from other failures by it
        return -1;
    }
    if (errorCode)
        *errorCode = 0;
    if (error)
        *error =
            u"cannot create %1: %2 numbered names are taken"_s.arg(directory.filePath(fileName))
                .arg(maxNameAttempts);
    return -1;
}

QString FileSink::fileName() const
{
    return m_name;
}

bool FileSink::write(const char *data, qint64 size)
{
    if (!m_error.isEmpty())
        return false;
    if (m_fd < 0) {
        if (m_error.isEmpty())
            m_error = u"%1 is closed"_s.arg(m_path);
        return false;
    }
    const WriteResult result = writeAll(m_fd, data, size_t(size));
    m_bytesWritten += quint64(result.written);
    if (result.error != 0)
        m_error = systemErrorString(result.error);
    else if (!result.wroteAll)
        m_error = u"the file system accepted no more data"_s;
    return result.wroteAll;
}

bool FileSink::close()
{
    if (m_fd < 0)
        return m_error.isEmpty();
    const int result = ::close(m_fd);
    m_fd = -1;
    m_closed = QDateTime::currentDateTime();
    // Linux releases the descriptor even when close(2) fails, so it is never retried.
    if (result != 0 && errno != EINTR && m_error.isEmpty())
        m_error = systemErrorString(errno);
    return m_error.isEmpty();
}

} // namespace capture
