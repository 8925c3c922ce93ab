#pragma once

// The end-to-end tests' view of the real capture-receiver binary: a process started headless
// in its own directory, its output collected, every wait bounded.
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace Qt::Literals::StringLiterals;

namespace ReceiverProcess {

constexpr int startTimeoutMs = 30000;  // until the receiver listens
constexpr int lineTimeoutMs = 30000;   // until an expected log line appears
constexpr int exitTimeoutMs = 30000;   // until the receiver exits after a stop
constexpr int clientTimeoutMs = 60000; // until a client has sent everything

constexpr qint64 KiB = 1024;
constexpr qint64 MiB = 1024 * KiB;

QString receiverBinary()
{
    return QStringLiteral(CAPTURE_RECEIVER_BINARY);
}

/// The receiver and the clients run without any display: headless means headless.
QProcessEnvironment headlessEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(u"DISPLAY"_s);
    env.remove(u"WAYLAND_DISPLAY"_s);
    env.remove(u"QT_QPA_PLATFORM"_s);
    return env;
}

/// Waits up to `timeoutMs` for `process` to end; past that it is killed and reaped. Returns
/// whether it ended by itself.
bool finishOrKill(QProcess &process, int timeoutMs)
{
    if (process.state() == QProcess::NotRunning || process.waitForFinished(timeoutMs))
        return true;
    process.kill();
    process.waitForFinished(10000);
    return false;
}

/// Every log line: "<ISO-8601 time with ms and offset> <level> <message>".
const QRegularExpression &logLinePattern()
{
    static const QRegularExpression re(
        uR"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d) (info|warning|error) \S)"_s);
    return re;
}

QString escaped(const QString &text)
{
    return QRegularExpression::escape(text);
}

QStringList allEntries(const QString &dir)
{
    return QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden |
                               QDir::System);
}

bool writeDataFile(const QString &path, const QByteArray &data)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
           file.write(data) == data.size() && file.flush();
}

/// The capture-receiver process: started in its own working directory, stdout and stderr
/// collected separately. They go to files, not pipes: a test blocked in another wait (a
/// client running for a minute) must never block the receiver on a full pipe, which would
/// stall everything its main thread does (status server, event stream) until the test reads.
class Receiver
{
public:
    Receiver(const QString &workDir, const QStringList &arguments, const QStringList &wrapper = {})
    {
        m_process.setProcessEnvironment(headlessEnvironment());
        m_process.setWorkingDirectory(workDir);
        m_process.setStandardErrorFile(m_outputDir.filePath(u"stderr"_s));
        m_process.setStandardOutputFile(m_outputDir.filePath(u"stdout"_s));
        if (wrapper.isEmpty()) {
            m_process.setProgram(receiverBinary());
            m_process.setArguments(arguments);
        } else {
            // e.g. prlimit --fsize=N <binary> args...: prlimit execs the binary, same pid.
            m_process.setProgram(wrapper.first());
            m_process.setArguments(wrapper.mid(1) + QStringList{receiverBinary()} + arguments);
        }
    }

    ~Receiver() { finishOrKill(m_process, 0); }

    Receiver(const Receiver &) = delete;
    Receiver &operator=(const Receiver &) = delete;

    bool start()
    {
        m_process.start();
        return m_process.waitForStarted(startTimeoutMs);
    }

    /// Starts and waits for the "recording" line that follows every "listening on" line.
    bool startAndWaitUntilRecording()
    {
        return start() &&
               waitForLine(QRegularExpression(u" info recording \\d+ port\\(s\\) into "_s),
                           startTimeoutMs);
    }

    bool sendSignal(int signal)
    {
        const qint64 pid = m_process.processId();
        return pid > 0 && m_process.state() == QProcess::Running && ::kill(pid_t(pid), signal) == 0;
    }

    bool isRunning()
    {
        collect();
        return m_process.state() == QProcess::Running;
    }

    /// Waits for the process to end; kills it (and returns false) when it does not.
    bool waitForExit(int timeoutMs = exitTimeoutMs)
    {
        const bool ended = finishOrKill(m_process, timeoutMs);
        collect();
        return ended;
    }

    bool exitedNormally() const { return m_process.exitStatus() == QProcess::NormalExit; }
    int exitCode() const { return m_process.exitCode(); }

    QStringList linesMatching(const QRegularExpression &re)
    {
        QStringList out;
        const QStringList all = lines();
        for (const QString &line : all) {
            if (re.match(line).hasMatch())
                out.append(line);
        }
        return out;
    }

    /// SIGTERM, then the exit: true if the receiver exited normally with status `expected`.
    bool stopWithSigterm(int expected = 0)
    {
        return sendSignal(SIGTERM) && waitForExit() && exitedNormally() && exitCode() == expected;
    }

    /// Ends the process (exit status `expected`), or reports the whole story.
    QByteArray stopProblem(int expected = 0)
    {
        if (stopWithSigterm(expected))
            return {};
        qWarning("%s", describe(0).constData()); // the whole story, in the test's log
        return "the receiver did not stop with exit status " + QByteArray::number(expected) +
               describe();
    }

    QByteArray stdErr()
    {
        collect();
        return m_err;
    }
    QByteArray stdOut()
    {
        collect();
        return m_out;
    }

    /// Complete lines of stderr so far.
    QStringList lines()
    {
        collect();
        QStringList out = QString::fromUtf8(m_err).split(u'\n');
        out.removeLast(); // the part after the last newline is not a complete line (yet)
        return out;
    }

    QString firstLine(const QRegularExpression &re)
    {
        const QStringList all = lines();
        for (const QString &line : all) {
            if (re.match(line).hasMatch())
                return line;
        }
        return {};
    }

    bool hasLine(const QRegularExpression &re) { return !firstLine(re).isEmpty(); }
    bool hasLine(const QString &substring)
    {
        return hasLine(QRegularExpression(escaped(substring)));
    }

    /// Waits for a complete stderr line matching `re`; gives up early when the process ended.
    bool waitForLine(const QRegularExpression &re, int timeoutMs = lineTimeoutMs)
    {
        QDeadlineTimer deadline(timeoutMs);
        for (;;) {
            if (hasLine(re))
                return true;
            if (m_process.state() == QProcess::NotRunning) {
                m_process.waitForFinished(0);
                return hasLine(re);
            }
            if (deadline.hasExpired())
                return false;
            QTest::qWait(10);
        }
    }
    bool waitForLine(const QString &substring, int timeoutMs = lineTimeoutMs)
    {
        return waitForLine(QRegularExpression(escaped(substring)), timeoutMs);
    }

    /// For failure messages, which Qt Test cuts at about 1000 characters: how the process
    /// stands, then the end of what it printed (where a sanitizer's report would be).
    QByteArray describe() { return describe(600); }

    /// Everything the process printed; `keep` > 0: only the last `keep` bytes of each stream.
    QByteArray describe(qsizetype keep)
    {
        collect();
        QByteArray text = "\n--- receiver ";
        if (m_process.state() != QProcess::NotRunning)
            text += "still running";
        else if (m_process.exitStatus() == QProcess::CrashExit)
            text += "crashed / killed by a signal";
        else
            text += "exited with code " + QByteArray::number(m_process.exitCode());
        text += " (" + m_process.program().toUtf8() + ' ' +
                m_process.arguments().join(u' ').toUtf8() + ")";
        const auto tail = [keep](const QByteArray &bytes) {
            return keep > 0 && bytes.size() > keep ? "[...]" + bytes.right(keep) : bytes;
        };
        text += "; stderr:\n" + tail(m_err);
        if (!m_out.isEmpty())
            text += "--- stdout:\n" + tail(m_out);
        return text + "--- end";
    }

private:
    /// Appends what the process wrote to `name` since the last call.
    void collectFrom(const QString &name, QByteArray &into)
    {
        QFile file(m_outputDir.filePath(name));
        if (file.open(QIODevice::ReadOnly) && file.seek(into.size()))
            into += file.readAll();
    }
    void collect()
    {
        collectFrom(u"stderr"_s, m_err);
        collectFrom(u"stdout"_s, m_out);
    }

    QTemporaryDir m_outputDir;
    QProcess m_process;
    QByteArray m_err;
    QByteArray m_out;
};

/// A python3 client that sends a file, waits until the receiving host's TCP acknowledged
/// every byte (TIOCOUTQ = 0: nothing unsent or unacknowledged is left on our side), prints
/// "sent", and keeps the connection open until its stdin closes. What it sent is then in the
/// receiver's hands, however late the receiver gets to read it.
class HoldingClient
{
public:
    HoldingClient(const QString &workDir, quint16 port, const QString &file)
    {
        static const QString script = uR"(import fcntl, socket, struct, sys, termios, time
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
s.sendall(open(sys.argv[2], 'rb').read())
while struct.unpack('i', fcntl.ioctl(s.fileno(), termios.TIOCOUTQ, b'\0' * 4))[0] > 0:
    time.sleep(0.01)
print('sent', flush=True)
sys.stdin.read()
s.close())"_s;
        m_process.setProcessEnvironment(headlessEnvironment());
        m_process.setWorkingDirectory(workDir);
        m_process.start(u"python3"_s, {u"-c"_s, script, QString::number(port), file});
    }
    ~HoldingClient() { finishOrKill(m_process, 0); }
    HoldingClient(const HoldingClient &) = delete;
    HoldingClient &operator=(const HoldingClient &) = delete;

    bool waitUntilSent()
    {
        QDeadlineTimer deadline(clientTimeoutMs);
        while (!m_out.contains("sent\n")) {
            if (m_process.state() == QProcess::NotRunning || deadline.hasExpired())
                return false;
            m_process.waitForReadyRead(50);
            m_out += m_process.readAllStandardOutput();
        }
        return true;
    }
    /// Closes stdin: the client closes its socket and exits.
    bool finish()
    {
        m_process.closeWriteChannel();
        return finishOrKill(m_process, clientTimeoutMs);
    }
    QString errorText() { return QString::fromLocal8Bit(m_process.readAllStandardError()); }

private:
    QProcess m_process;
    QByteArray m_out;
};

} // namespace ReceiverProcess

using namespace ReceiverProcess;
