#include "app/consolelog.h"

#include "core/util/fdio.h"
#include "core/util/printable.h"
#include "core/util/syserror.h"

#include <QDateTime>
#include <QFile>
#include <QLoggingCategory>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;

Q_LOGGING_CATEGORY(lcEvents, "capture.events", QtInfoMsg)

namespace {

std::mutex g_mutex;
int g_logFd = -1;
bool g_journal = false; // stderr goes to the systemd journal

/// systemd sets JOURNAL_STREAM to "<device>:<inode>" of the stream it connected; it applies
/// only while stderr is still that stream (not when a child was redirected elsewhere).
bool stderrIsJournal()
{
    const QByteArray value = qgetenv("JOURNAL_STREAM");
    const qsizetype colon = value.indexOf(':');
    if (colon <= 0)
        return false;
    bool okDev = false;
    bool okIno = false;
    const qulonglong device = value.left(colon).toULongLong(&okDev);
    const qulonglong inode = value.mid(colon + 1).toULongLong(&okIno);
    struct stat st
    {};
    return okDev && okIno && ::fstat(STDERR_FILENO, &st) == 0 && st.st_dev == device &&
           st.st_ino == inode;
}

/// The syslog priority prefix the journal reads from a line ("<6>" = info).
const char *journalPrefix(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return "<7>";
    case QtInfoMsg:
        return "<6>";
    case QtWarningMsg:
        return "<4>";
    case QtCriticalMsg:
        return "<3>";
    case QtFatalMsg:
        return "<2>";
    }
    return "<6>";
}

const char *levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return "debug";
    case QtInfoMsg:
        return "info";
    case QtWarningMsg:
        return "warning";
    case QtCriticalMsg:
        return "error";
    case QtFatalMsg:
        return "fatal";
    }
    return "info";
}

// A line that cannot be written is dropped: there is nowhere left to tell.
void writeAll(int fd, const QByteArray &bytes)
{
    capture::writeAll(fd, bytes.constData(), size_t(bytes.size()));
}

void handler(QtMsgType type, const QMessageLogContext &, const QString &message)
{
    const QDateTime now = QDateTime::currentDateTime();
    const QByteArray text = message.toUtf8();
    QByteArray line = now.toOffsetFromUtc(now.offsetFromUtc()).toString(Qt::ISODateWithMs).toUtf8();
    line += ' ';
    line += levelName(type);
    line += ' ';
    line += text;
    line += '\n';
    {
        // One write(2) per line keeps lines whole when several threads log at once.
        const std::lock_guard lock(g_mutex);
        if (g_journal) // the journal stamps each line itself and reads the priority prefix
            writeAll(STDERR_FILENO, journalPrefix(type) + text + '\n');
        else
            writeAll(STDERR_FILENO, line);
        if (g_logFd >= 0)
            writeAll(g_logFd, line);
    }
    if (type == QtFatalMsg)
        ::abort();
}

} // namespace

namespace ConsoleLog {

bool install(const QString &logFile, QString *error)
{
    g_journal = stderrIsJournal();
    if (!logFile.isEmpty()) {
        const QByteArray path = QFile::encodeName(logFile);
        // O_NONBLOCK: a FIFO put in its place since the command line was checked must not
        // block the start-up; it is refused below, and a regular file never blocks anyway.
        const int fd =
            ::open(path.constData(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK, 0640);
        if (fd < 0) {
            *error = u"cannot open log file '%1': %2"_s.arg(capture::printablePath(logFile),
                                                            capture::systemErrorString(errno));
            return false;
        }
        struct stat st
        {};
        if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            ::close(fd);
            *error = u"cannot use log file '%1': not a regular file"_s.arg(
                capture::printablePath(logFile));
            return false;
        }
        ::fcntl(fd, F_SETFL, O_APPEND);
        g_logFd = fd;
    }
    qInstallMessageHandler(handler);
    return true;
}

void write(capture::CaptureEventLog::Level level, const QString &text)
{
    using Level = capture::CaptureEventLog::Level;
    switch (level) {
    case Level::Debug:
        qCDebug(lcEvents).noquote() << text;
        break;
    case Level::Info:
        qCInfo(lcEvents).noquote() << text;
        break;
    case Level::Warning:
        qCWarning(lcEvents).noquote() << text;
        break;
    case Level::Error:
        qCCritical(lcEvents).noquote() << text;
        break;
    }
}

void shutdown()
{
    qInstallMessageHandler(nullptr);
    const std::lock_guard lock(g_mutex);
    if (g_logFd >= 0) {
        ::close(g_logFd);
        g_logFd = -1;
    }
}

} // namespace ConsoleLog
