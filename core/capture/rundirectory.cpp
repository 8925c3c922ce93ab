#include "core/capture/rundirectory.h"

#include "core/capture/captureevents.h"
#include "core/capture/runcounters.h"

#include <QDir>
#include <QFileInfo>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {
QString lostFileNames(const QList<LostFile> &files, qsizetype most)
{
    QStringList names;
    names.reserve(files.size());
    for (const LostFile &file : files)
        names.append(file.file);
    return namesText(names, most);
}
} // namespace

RunDirectory::RunDirectory(ManifestWriter &manifest, RunCounters &counters, CaptureEvents &events,
                           QObject *parent)
    : QObject(parent)
    , m_manifest(manifest)
    , m_counters(counters)
    , m_events(events)
{}

bool RunDirectory::open(const QString &path, QString *error)
{
    return m_directory.open(path, error);
}

void RunDirectory::appendToManifest(const QByteArray &line)
{
    QString error;
    if (!m_manifest.append(line, &error)) {
        ++m_counters.manifestErrors;
        Q_EMIT m_events.errorRaised(error); // neither written nor kept: it holds the line
    }
}

void RunDirectory::startRecord(const QByteArray &runStartLine)
{
    m_runStartLine = runStartLine;
    appendToManifest(m_runStartLine);
}

bool RunDirectory::check()
{
    if (m_losing)
        return true;
    const OutputDirectory::Change change = m_directory.check();
    if (change == OutputDirectory::Change::None)
        return false;
    // Every file of this run in it is gone from the output directory: the open ones are closed
    // (their connections go on into new files), and all of them are reported lost, in the
    // manifest of the directory made again if it can be made.
    const QString dir = m_directory.path();
    const QString reason = u"output directory %1"_s.arg(OutputDirectory::describe(change));
    m_losing = true;
    Q_EMIT lost(reason);
    m_losing = false;
    const QList<LostFile> lost = m_files.values();
    m_files.clear();
    // A manifest of its own for the directory made again: the lines kept for the old one name
    // files that are gone (reported below). What it failed to write is counted.
    m_counters.manifestErrors += int(m_manifest.linesNotRewritten());
    m_manifest.close();
    QString error;
    const bool remade = m_directory.open(dir, &error) && m_manifest.open(dir, &error);
    if (!remade)
        m_directory.close(); // not watched any more: file opens report the fault
    else
        appendToManifest(m_runStartLine); // this run's record starts again in the new one
    Q_EMIT m_events.errorRaised(
        u"output directory %1 was %2 during the run: %3; %4"_s
            .arg(QFileInfo(dir).absoluteFilePath(), OutputDirectory::describe(change))
            .arg(lost.isEmpty()
                     ? u"no file of this run was in it"_s
                     : u"the %1 file(s) this run wrote into it are lost (%2)"_s.arg(lost.size())
                           .arg(lostFileNames(lost, 5)))
            .arg(remade ? u"recording goes on into a new directory of that name"_s
                        : u"recording cannot go on: "_s + error));
    reportLost(lost, reason);
    return true;
}

void RunDirectory::reportDeletedWhileWritten(const LostFile &file, const QString &reason)
{
    Q_EMIT m_events.errorRaised(
        u"port %1: file %2 was deleted while it was written: its "
        "%3 bytes are lost; the connection goes on into a new file"_s.arg(file.port)
            .arg(QFileInfo(QDir(m_directory.path()).filePath(file.file)).absoluteFilePath())
            .arg(file.bytes));
    reportLost({file}, reason);
}

void RunDirectory::reportLost(const QList<LostFile> &files, const QString &reason)
{
    const QDateTime now = QDateTime::currentDateTime();
    const QString dir = m_directory.path();
    for (const LostFile &file : files) {
        ++m_counters.filesLost;
        appendToManifest(manifestLostLine(file, now, reason));
        FileInfo info;
        info.path = QDir(dir).filePath(file.file);
        info.port = file.port;
        info.bytes = file.bytes;
        info.digest = file.digest;
        info.state = FileInfo::State::Lost;
        info.error = reason;
        info.closed = now;
        Q_EMIT m_events.fileLost(info);
    }
}

void RunDirectory::warnAboutLeftovers()
{
    const QString dir = m_directory.path();
    const DirectoryLeftovers leftovers = findLeftovers(dir);
    if (!leftovers.error.isEmpty()) {
        Q_EMIT m_events.warningRaised(
            u"cannot look for a crash's leftovers: %1"_s.arg(leftovers.error));
        return;
    }
    const QString absolute = QFileInfo(dir).absoluteFilePath();
    for (const ManifestRun &run : leftovers.running)
        Q_EMIT m_events.warningRaised(
            u"another receiver is recording into %1 now: %2"_s.arg(absolute, run.describe()));
    if (leftovers.isEmpty())
        return;
    QStringList what;
    if (!leftovers.unlisted.isEmpty())
        what.append(u"%1 file(s) not in its manifest (%2)"_s.arg(leftovers.unlisted.size())
                        .arg(namesText(leftovers.unlisted, 5)));
    if (!leftovers.unstopped.isEmpty()) {
        QStringList runs;
        for (const ManifestRun &run : leftovers.unstopped)
            runs.append(run.describe());
        what.append(u"%1 run(s) that never stopped (%2)"_s.arg(leftovers.unstopped.size())
                        .arg(namesText(runs, 3)));
    }
    Q_EMIT m_events.warningRaised(
        u"output directory %1 holds what a crash or kill -9 left: %2; "
        "`capture-receiver recover %1` adopts them into the manifest"_s.arg(absolute,
                                                                            what.join(u" and "_s)));
}

} // namespace capture
