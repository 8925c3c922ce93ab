#include "consolelog.h"

#include "syserror.h"

#include <QDateTime>
#include <QFile>
#include <QLoggingCategory>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;

Q_LOGGING_CATEGORY(lcEvents, "capture.events", QtInfoMsg)

namespace {

std::mutex g_mutex;
int g_logFd = -1;

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

void writeAll(int fd, const QByteArray &bytes)
{
    const char *data = bytes.constData();
    qsizetype left = bytes.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, data, size_t(left));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        data += n;
        left -= n;
    }
}

void handler(QtMsgType type, const QMessageLogContext &, const QString &message)
{
    const QString stamp = QDateTime::currentDateTime()
                              .toOffsetFromUtc(QDateTime::currentDateTime().offsetFromUtc())
                              .toString(Qt::ISODateWithMs);
    QByteArray line = stamp.toUtf8();
    line += ' ';
    line += levelName(type);
    line += ' ';
    line += message.toUtf8();
    line += '\n';
    {
        // One write(2) per line keeps lines whole when several threads log at once.
        const std::lock_guard lock(g_mutex);
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
    if (!logFile.isEmpty()) {
        const QByteArray path = QFile::encodeName(logFile);
        const int fd = ::open(path.constData(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (fd < 0) {
            *error =
                u"cannot open log file '%1': %2"_s.arg(logFile, capture::systemErrorString(errno));
            return false;
        }
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
