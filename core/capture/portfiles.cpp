#include "core/capture/portfiles.h"

#include "core/capture/captureevents.h"
#include "core/capture/donedirectory.h"
#include "core/capture/filenaming.h"
#include "core/capture/fileseries.h"
#include "core/capture/filesink.h"
#include "core/capture/nametemplate.h"
#include "core/capture/retention.h"
#include "core/capture/runcounters.h"
#include "core/capture/rundirectory.h"
#include "core/capture/session.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>

using namespace Qt::Literals::StringLiterals;

namespace capture {

PortFiles::PortFiles(quint16 port, const CaptureSettings &settings, const RunParts &parts,
                     const std::vector<Session *> &sessions, QObject *parent)
    : QObject(parent)
    , m_port(port)
    , m_settings(settings)
    , m_parts(parts)
    , m_sessions(sessions)
    , m_retention(new Retention(port, settings.maxFiles, *parts.manifest, *parts.counters,
                                *parts.directory, this))
    , m_host(NameTemplate::shortHostName())
{
    connect(m_retention, &Retention::fileDeleted, m_parts.events, &CaptureEvents::fileDeleted);
    connect(m_retention, &Retention::warningRaised, m_parts.events, &CaptureEvents::warningRaised);
    connect(m_retention, &Retention::errorRaised, m_parts.events, &CaptureEvents::errorRaised);
}

std::shared_ptr<FileSeries> PortFiles::seriesFor(const QHostAddress &peer, quint16 peerPort)
{
    const SplitMode split = m_settings.split;
    if (split == SplitMode::Port && m_portSeries)
        return m_portSeries;

    FileSeries::Hooks hooks;
    hooks.fileName = [this, peer, peerPort](const QDateTime &now) {
        NameTemplate::Values values;
        values.port = m_port;
        values.time = now;
        values.run = m_parts.counters->runNumber;
        if (values.run != m_seqRun) { // {seq} counts each run's files from 1
            m_seqRun = values.run;
            m_seq = 0;
        }
        values.seq = ++m_seq;
        values.peer = peer;
        values.peerPort = peerPort;
        values.host = m_host;
        return uniqueFileName(m_parts.names->render(values), now.toSecsSinceEpoch());
    };
    hooks.nameUnused = [this] {
        --m_seq;
        if (const auto it = m_namesUsed.find(m_lastNameBase); it != m_namesUsed.end())
            *it = m_lastNameNumber;
    };
    hooks.opened = [this](const FileSink &sink) { onFileOpened(sink); };
    hooks.closed = [this](const ManifestFile &record, const FileInfo &info) {
        onFileClosed(record, info);
    };
    auto series = std::make_shared<FileSeries>(m_settings, m_parts, m_port, std::move(hooks));
    if (split == SplitMode::Port)
        m_portSeries = series;
    return series;
}

QString PortFiles::uniqueFileName(const QString &base, qint64 second)
{
    // Names that carry their second never recur once it has passed: only this second's are
    // kept. Other templates keep every name of the run.
    if (m_parts.names->namesCarryTheSecond() && second != m_namesSecond) {
        m_namesUsed.clear();
        m_namesSecond = second;
    }
    // The next number this run has not given, and that no file has (one an earlier run left,
    // when the names do not carry the time): base, base_2, base_3, …
    const QDir output(m_settings.outputDir.isEmpty() ? u"."_s : m_settings.outputDir);
    int &last = m_namesUsed[base];
    m_lastNameBase = base;
    m_lastNameNumber = last;
    QString name;
    do
        name = FileNaming::numberedName(base, ++last);
    while (QFileInfo::exists(output.filePath(name)) && last < maxNameNumber);
    return name;
}

void PortFiles::onFileOpened(const FileSink &sink)
{
    ++m_filesOpened;
    FileInfo info;
    info.path = sink.path();
    info.name = sink.fileName();
    info.port = m_port;
    info.runNumber = m_parts.counters->runNumber;
    info.opened = sink.openedAt();
    Q_EMIT m_parts.events->fileOpened(info);
    m_retention->enforce(openFileCount());
}

void PortFiles::onFileClosed(ManifestFile record, FileInfo info)
{
    ++m_parts.counters->filesClosed;
    const LostFile file{record.file, m_port, record.bytes, record.digest, record.runNumber};
    if (m_parts.directory->isLosing()) {
        m_parts.directory->addFile(file); // the run's directory reports them all
        return;
    }
    if (info.state == FileInfo::State::Lost) {
        m_parts.directory->reportDeletedWhileWritten(file, info.error);
        return;
    }
    // --done-dir: handed on complete, digest final; this run's output no longer holds it.
    bool handedOn = false;
    if (m_parts.doneDir) {
        QString error;
        handedOn = m_parts.doneDir->moveIn(&record, &info, &error);
        if (!handedOn) {
            ++m_parts.counters->handOffErrors;
            Q_EMIT m_parts.events->errorRaised(
                u"port %1: %2; the file stays in the output directory"_s.arg(m_port).arg(error));
        }
    }
    if (!handedOn) {
        m_parts.directory->addFile(file);
        if (m_parts.directory->check())
            return; // this file was in the lost directory too, and is reported with its files
    }
    appendManifest(manifestFileLine(record));
    Q_EMIT m_parts.events->fileClosed(info);
    if (!handedOn)
        m_retention->fileClosed(info); // --max-files never deletes what was handed on
    m_retention->enforce(openFileCount());
}

void PortFiles::appendManifest(const QByteArray &line)
{
    QString error;
    if (!m_parts.manifest->append(line, &error)) {
        ++m_parts.counters->manifestErrors;
        Q_EMIT m_parts.events->errorRaised(u"port %1: %2"_s.arg(m_port).arg(error));
    }
}

void PortFiles::forgetClosedFiles()
{
    m_retention->forgetClosedFiles();
}

int PortFiles::openFileCount() const
{
    return int(openSeries().size());
}

void PortFiles::closeKept(const QString &reason)
{
    const std::vector<std::shared_ptr<FileSeries>> kept = std::move(m_kept);
    m_kept.clear();
    for (const std::shared_ptr<FileSeries> &series : kept)
        series->close(reason);
}

void PortFiles::closeKept(const std::shared_ptr<FileSeries> &series, const QString &reason)
{
    std::erase(m_kept, series);
    series->close(reason);
}

void PortFiles::release(const std::shared_ptr<FileSeries> &series, const QString &reason)
{
    if (!series || series == m_portSeries)
        return; // the port's file stays open for the next connection
    const bool inUse = std::any_of(m_sessions.begin(), m_sessions.end(),
                                   [&series](const Session *s) { return s->series() == series; });
    if (!inUse)
        series->close(reason);
}

void PortFiles::writeFailed(const std::shared_ptr<FileSeries> &series)
{
    if (series == m_portSeries)
        m_portSeries.reset(); // the next connection starts a new file
}

void PortFiles::closePortFile()
{
    if (m_portSeries) {
        const std::shared_ptr<FileSeries> series = std::move(m_portSeries);
        m_portSeries.reset();
        release(series, u"stopped"_s);
    }
}

void PortFiles::checkIntervals(qint64 nowMs)
{
    if (m_portSeries)
        m_portSeries->checkInterval(nowMs);
    for (Session *session : m_sessions)
        session->series()->checkInterval(nowMs);
    for (const std::shared_ptr<FileSeries> &series : m_kept)
        series->checkInterval(nowMs);
}

QString PortFiles::currentFile() const
{
    if (m_portSeries && m_portSeries->isOpen())
        return m_portSeries->currentPath();
    if (!m_portSeries && !m_sessions.empty())
        return m_sessions.back()->series()->currentPath();
    if (!m_portSeries && !m_kept.empty())
        return m_kept.back()->currentPath();
    return QString();
}

std::vector<std::shared_ptr<FileSeries>> PortFiles::openSeries() const
{
    std::vector<std::shared_ptr<FileSeries>> series;
    if (m_portSeries) {
        if (m_portSeries->isOpen())
            series.push_back(m_portSeries);
        return series;
    }
    for (const Session *session : m_sessions) {
        if (session->series()->isOpen())
            series.push_back(session->series());
    }
    for (const std::shared_ptr<FileSeries> &kept : m_kept) {
        if (kept->isOpen())
            series.push_back(kept);
    }
    return series;
}

void PortFiles::closeOpenFiles(const QString &reason)
{
    for (const std::shared_ptr<FileSeries> &series : openSeries())
        series->close(reason);
}

void PortFiles::closeDeletedFiles()
{
    for (const std::shared_ptr<FileSeries> &series : openSeries()) {
        if (series->isCurrentFileUnlinked())
            series->close(u"file deleted"_s);
    }
}

void PortFiles::appendOpenFiles(QList<FileInfo> *out) const
{
    if (m_portSeries) {
        if (const auto info = m_portSeries->currentFileInfo())
            out->append(*info);
        return;
    }
    for (const Session *session : m_sessions) {
        if (const auto info = session->series()->currentFileInfo())
            out->append(*info);
    }
    for (const std::shared_ptr<FileSeries> &kept : m_kept) {
        if (const auto info = kept->currentFileInfo())
            out->append(*info);
    }
}

} // namespace capture
