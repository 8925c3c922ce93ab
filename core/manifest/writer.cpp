#include "core/manifest/writer.h"

#include "core/manifest/record.h"
#include "core/util/fdio.h"
#include "core/util/syserror.h"

#include <QDir>
#include <QFile>

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;

namespace capture {

ManifestWriter::~ManifestWriter()
{
    close();
}

bool ManifestWriter::open(const QString &dir, QString *error)
{
    close();
    m_path = QDir(dir).filePath(QString::fromUtf16(manifestFileName));
    QString reason;
    if (openFile(&reason))
        return true;
    if (error)
        *error = u"cannot open manifest %1: %2"_s.arg(m_path, reason);
    m_path.clear();
    return false;
}

bool ManifestWriter::openFile(QString *reason)
{
    const QByteArray encoded = QFile::encodeName(m_path);
    m_fd =
        ::open(encoded.constData(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
    struct stat st
    {};
    if (m_fd >= 0 && ::fstat(m_fd, &st) == 0) {
        m_dev = st.st_dev;
        m_ino = st.st_ino;
        return true;
    }
    const int e = errno;
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
    *reason = systemErrorString(e);
    return false;
}

// Empty while our descriptor is the file at the path; else what happened to it.
QString ManifestWriter::goneReason() const
{
    if (m_fd < 0)
        return u"could not be opened"_s;
    struct stat open
    {};
    if (::fstat(m_fd, &open) != 0)
        return {};
    struct stat named
    {};
    if (::lstat(QFile::encodeName(m_path).constData(), &named) != 0) {
        if (errno != ENOENT && errno != ENOTDIR)
            return {}; // cannot tell; the next check may
        return open.st_nlink == 0 ? u"was deleted"_s : u"was moved away"_s;
    }
    if (named.st_dev != m_dev || named.st_ino != m_ino)
        return u"was replaced by another file"_s;
    return {};
}

void ManifestWriter::recreate(const QString &reason)
{
    const bool wasOpen = m_fd >= 0;
    if (wasOpen) {
        ::close(m_fd);
        m_fd = -1;
        // What this run wrote went with the old file; the lines no longer kept cannot follow.
        m_written = 0;
        m_partial = 0;
        if (m_forgotten > 0)
            report(Severity::Error,
                   u"manifest %1 %2: %3 older line(s) of this run were no longer kept (over "
                   "%4 MiB) and cannot be written into it again"_s.arg(m_path, reason)
                       .arg(m_forgotten)
                       .arg(m_maxKeptBytes / (1024 * 1024)));
        m_notRewritten += m_forgotten;
        m_forgotten = 0;
    }
    QString error;
    if (!openFile(&error)) {
        if (wasOpen)
            report(Severity::Warning,
                   u"manifest %1 %2 during the run, and cannot be created again: %3; its %4 "
                   "line(s) of this run are kept and retried once a second"_s
                       .arg(m_path, reason, error)
                       .arg(m_lines.size()));
        m_failing = true;
        return;
    }
    m_failing = false;
    report(Severity::Warning,
           wasOpen ? u"manifest %1 %2 during the run: created it again, and writing into it "
                     "again the %3 line(s) this run recorded"_s.arg(m_path, reason)
                         .arg(m_lines.size())
                   : u"manifest %1 could be created again: writing into it the %2 line(s) this "
                     "run recorded"_s.arg(m_path)
                         .arg(m_lines.size()));
}

void ManifestWriter::check()
{
    if (m_path.isEmpty())
        return;
    if (const QString reason = goneReason(); !reason.isEmpty())
        recreate(reason);
    flush();
}

bool ManifestWriter::append(const QByteArray &text, QString *error)
{
    if (m_path.isEmpty()) {
        if (error)
            *error = u"the manifest is not open"_s;
        return false;
    }
    check(); // pending lines go first: the file keeps the order
    forgetWritten(text.size());
    if (pendingCount() > 0 && m_keptBytes + text.size() > m_maxKeptBytes) {
        ++m_lost;
        if (error)
            *error = u"manifest %1: %2 line(s) wait to be written already (%3 MiB kept), this "
                     "one is lost: %4"_s.arg(m_path)
                         .arg(pendingCount())
                         .arg(m_maxKeptBytes / (1024 * 1024))
                         .arg(QString::fromUtf8(text.trimmed()));
        return false;
    }
    m_lines.push_back(text);
    m_keptBytes += text.size();
    flush();
    forgetWritten(0);
    return true;
}

void ManifestWriter::forgetWritten(qsizetype room)
{
    while (m_written > 0 && m_keptBytes + room > m_maxKeptBytes) {
        m_keptBytes -= m_lines.front().size();
        m_lines.pop_front();
        --m_written;
        ++m_forgotten;
        if (!m_warnedForgetting) {
            m_warnedForgetting = true;
            report(Severity::Warning,
                   u"manifest %1: this run's lines exceed %2 MiB; the oldest are no longer kept "
                   "in memory, and should the manifest be deleted, they cannot be written "
                   "into it again"_s.arg(m_path)
                       .arg(m_maxKeptBytes / (1024 * 1024)));
        }
    }
}

void ManifestWriter::flush()
{
    if (m_fd < 0 || pendingCount() == 0)
        return;
    qsizetype written = 0;
    while (m_written < qsizetype(m_lines.size())) {
        QString error;
        if (!writeLine(m_lines[size_t(m_written)], &error)) {
            if (!m_failing)
                report(Severity::Warning,
                       u"cannot append to manifest %1: %2; the line(s) are kept and written "
                       "as soon as it can be (retried once a second and at every file close)"_s.arg(
                           m_path, error));
            m_failing = true;
            return;
        }
        ++m_written;
        ++written;
    }
    if (m_failing) {
        m_failing = false;
        report(
            Severity::Warning,
            u"manifest %1 can be written again: %2 line(s) kept pending are in it now"_s.arg(m_path)
                .arg(written));
    }
}

// The whole line, or (as far as we can help it) nothing: a reader, and the next line, must not
// meet half a line. With O_APPEND the line lands at the end in one write(2) but for a signal or
// a full disk; a part that cannot be completed is cut off again.
bool ManifestWriter::writeLine(const QByteArray &text, QString *error)
{
    const WriteResult result =
        writeAll(m_fd, text.constData() + m_partial, size_t(text.size() - m_partial));
    m_partial += qsizetype(result.written);
    if (result.wroteAll) {
        m_partial = 0;
        return true;
    }
    *error = systemErrorString(result.error != 0 ? result.error : ENOSPC);
    struct stat st
    {};
    if (m_partial > 0 && ::fstat(m_fd, &st) == 0 && st.st_size >= m_partial &&
        ::ftruncate(m_fd, st.st_size - m_partial) == 0)
        m_partial = 0; // else the rest of the line is written first, at the next try
    return false;
}

void ManifestWriter::report(Severity severity, const QString &message)
{
    if (m_reporter)
        m_reporter(severity, message);
}

QList<QByteArray> ManifestWriter::pendingLines() const
{
    return {m_lines.begin() + m_written, m_lines.end()};
}

void ManifestWriter::close()
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
    m_path.clear();
    m_lines.clear();
    m_written = 0;
    m_keptBytes = 0;
    m_partial = 0;
    m_forgotten = 0;
    m_lost = 0;
    m_notRewritten = 0;
    m_failing = false;
    m_warnedForgetting = false;
}

} // namespace capture
