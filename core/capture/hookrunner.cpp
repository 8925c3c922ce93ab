#include "core/capture/hookrunner.h"

#include "core/util/digest.h"

#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTimer>

#include <algorithm>
#include <limits>
#include <utility>

using namespace Qt::Literals::StringLiterals;

namespace capture {

QStringList splitShellWords(const QString &text, QString *problem)
{
    QStringList words;
    QString word;
    bool inWord = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (c == u' ' || c == u'\t' || c == u'\n') {
            if (inWord)
                words.append(std::exchange(word, QString()));
            inWord = false;
            continue;
        }
        inWord = true;
        if (c == u'\\') { // the next character as it is
            if (++i < text.size())
                word += text[i];
            continue;
        }
        if (c == u'\'') { // everything up to the next ' as it is
            const qsizetype end = text.indexOf(u'\'', i + 1);
            if (end < 0) {
                *problem = u"a ' is not closed"_s;
                return {};
            }
            word += text.mid(i + 1, end - i - 1);
            i = end;
            continue;
        }
        if (c == u'"') { // up to the next unescaped "; \ escapes only \ " $ `
            for (++i;; ++i) {
                if (i >= text.size()) {
                    *problem = u"a \" is not closed"_s;
                    return {};
                }
                if (text[i] == u'"')
                    break;
                if (text[i] == u'\\' && i + 1 < text.size() &&
                    QStringView(u"\\\"$`").contains(text[i + 1]))
                    ++i;
                word += text[i];
            }
            continue;
        }
        word += c;
    }
    if (inWord)
        words.append(word);
    return words;
}

QStringList splitHookCommand(const QString &command, QString *problem)
{
    const QStringList words = splitShellWords(command, problem);
    if (!problem->isEmpty())
        return {};
    if (words.isEmpty()) {
        *problem = u"give a command"_s;
        return {};
    }
    const QString &program = words.first();
    if (program.contains(u'/')) {
        const QFileInfo file(program);
        if (!file.isFile() || !file.isExecutable()) {
            *problem = u"%1 is not an executable file"_s.arg(program);
            return {};
        }
    } else if (QStandardPaths::findExecutable(program).isEmpty()) {
        *problem = u"no program '%1' in PATH"_s.arg(program);
        return {};
    }
    return words;
}

HookRunner::HookRunner(QObject *parent)
    : QObject(parent)
{}

HookRunner::~HookRunner()
{
    waitForAll();
}

void HookRunner::configure(const QString &command, int jobs, int maxWaiting, qint64 timeoutSec)
{
    QString problem; // checked when the option was given
    m_command = command.isEmpty() ? QStringList() : splitShellWords(command, &problem);
    m_jobs = std::max(1, jobs);
    m_maxWaiting = std::max(1, maxWaiting);
    m_timeoutMs = std::max<qint64>(1, timeoutSec) * 1000;
}

bool HookRunner::fileClosed(const FileInfo &info)
{
    if (m_command.isEmpty())
        return true;
    if (m_waiting.size() >= size_t(m_maxWaiting)) {
        ++m_dropped;
        return false;
    }
    auto job = std::make_unique<Job>();
    job->command = m_command;
    job->timeoutMs = m_timeoutMs;
    job->file = info;
    m_waiting.push_back(std::move(job));
    startWaiting();
    return true;
}

void HookRunner::startWaiting()
{
    while (!m_waiting.empty() && int(m_running.size()) < m_jobs) {
        std::unique_ptr<Job> job = std::move(m_waiting.front());
        m_waiting.pop_front();
        start(std::move(job));
    }
}

void HookRunner::start(std::unique_ptr<Job> owned)
{
    Job *job = owned.get();
    m_running.push_back(std::move(owned));
    const FileInfo &f = job->file;
    // Absolute: the command may change its directory before it looks at the file.
    const QString path = QFileInfo(f.path).absoluteFilePath();
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"CAPTURE_FILE"_s, path);
    environment.insert(u"CAPTURE_PORT"_s, QString::number(f.port));
    environment.insert(u"CAPTURE_RUN"_s, QString::number(f.runNumber));
    environment.insert(u"CAPTURE_BYTES"_s, QString::number(f.bytes));
    environment.insert(u"CAPTURE_DIGEST"_s, f.digest.hex);
    environment.insert(u"CAPTURE_DIGEST_ALGORITHM"_s, hashAlgorithmName(f.digest.algorithm));
    environment.insert(u"CAPTURE_CLOSE_REASON"_s, f.closeReason);

    job->process = std::make_unique<QProcess>();
    QProcess *process = job->process.get();
    process->setProgram(job->command.first());
    process->setArguments(job->command.mid(1) << path);
    process->setProcessEnvironment(environment);
    process->setProcessChannelMode(QProcess::MergedChannels);
    process->setStandardInputFile(QProcess::nullDevice());
    connect(process, &QProcess::readyReadStandardOutput, this, [job] {
        job->output += job->process->readAllStandardOutput();
        if (job->output.size() > 2 * outputKept)
            job->output = job->output.right(outputKept);
    });
    connect(process, &QProcess::finished, this, [this, job] { finish(job, {}); });
    connect(process, &QProcess::errorOccurred, this, [this, job](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart)
            finish(job, u"could not be started: %1"_s.arg(job->process->errorString()));
    });
    job->timer = new QTimer(process);
    job->timer->setSingleShot(true);
    connect(job->timer, &QTimer::timeout, this, [this, job] { onTimeout(job); });
    job->clock.start();
    job->timer->start(int(std::min<qint64>(job->timeoutMs, std::numeric_limits<int>::max())));
    process->start();
}

void HookRunner::onTimeout(Job *job)
{
    if (job->done)
        return;
    if (!job->terminated) {
        job->terminated = true;
        job->process->terminate();
        job->timer->start(killAfterTermMs);
    } else {
        job->process->kill();
    }
}

HookResult HookRunner::resultOf(const Job &job, const QString &error) const
{
    HookResult result;
    result.file = QFileInfo(job.file.path).absoluteFilePath();
    result.port = job.file.port;
    result.runNumber = job.file.runNumber;
    result.durationMs = job.clock.elapsed();
    result.timedOut = job.terminated;
    result.error = error;
    const QProcess &p = *job.process;
    if (error.isEmpty()) {
        result.exitedNormally = p.exitStatus() == QProcess::NormalExit && !job.terminated;
        result.exitCode = p.exitCode();
        if (job.terminated)
            result.error =
                u"still running after --hook-timeout %1 s: stopped with %2"_s
                    .arg(job.timeoutMs / 1000)
                    .arg(p.exitStatus() == QProcess::NormalExit
                             ? u"SIGTERM (it then exited with status %1)"_s.arg(p.exitCode())
                             : u"SIGTERM/SIGKILL"_s);
        else if (p.exitStatus() != QProcess::NormalExit)
            result.error = u"killed by a signal"_s;
    }
    // The last lines it wrote, at most outputKept bytes, starting at a line.
    QByteArray output = job.output.right(outputKept);
    if (job.output.size() > outputKept) {
        const qsizetype newline = output.indexOf('\n');
        if (newline >= 0)
            output = output.mid(newline + 1);
    }
    result.output = QString::fromUtf8(output).trimmed();
    return result;
}

void HookRunner::finish(Job *job, const QString &error)
{
    if (job->done)
        return;
    job->done = true;
    job->timer->stop();
    job->output += job->process->readAllStandardOutput();
    const HookResult result = resultOf(*job, error);
    ++(result.succeeded() ? m_succeeded : m_failed);

    // The process object is inside its own signal here: deleted once control is back, and
    // nothing it still reports reaches the job, which ends now.
    QProcess *process = job->process.release();
    QObject::disconnect(process, nullptr, this, nullptr);
    process->deleteLater();
    const auto it = std::find_if(m_running.begin(), m_running.end(),
                                 [job](const std::unique_ptr<Job> &j) { return j.get() == job; });
    if (it != m_running.end())
        m_running.erase(it);
    Q_EMIT finished(result);
    startWaiting();
    if (pending() == 0)
        Q_EMIT idle();
}

void HookRunner::waitForAll()
{
    startWaiting();
    while (!m_running.empty()) {
        Job *job = m_running.front().get();
        QProcess *process = job->process.get();
        const qint64 left = std::max<qint64>(0, job->timeoutMs - job->clock.elapsed());
        if (!process->waitForFinished(
                int(std::min<qint64>(left, std::numeric_limits<int>::max())))) {
            if (!job->done && !job->terminated) {
                job->terminated = true;
                process->terminate();
                process->waitForFinished(killAfterTermMs);
            }
            if (!job->done) {
                process->kill();
                process->waitForFinished(killAfterTermMs);
            }
        }
        if (!job->done) // never started, or would not die: it counts as failed all the same
            finish(job, u"did not end"_s);
    }
}

} // namespace capture
