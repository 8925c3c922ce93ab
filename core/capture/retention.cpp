#include "core/capture/retention.h"

#include "core/capture/runcounters.h"
#include "core/capture/rundirectory.h"
#include "core/manifest/manifest.h"

#include <QFile>

using namespace Qt::Literals::StringLiterals;

namespace capture {

Retention::Retention(quint16 port, int maxFiles, ManifestWriter &manifest, RunCounters &counters,
                     RunDirectory &directory, QObject *parent)
    : QObject(parent)
    , m_port(port)
    , m_maxFiles(maxFiles)
    , m_manifest(manifest)
    , m_counters(counters)
    , m_directory(directory)
{}

void Retention::fileClosed(const FileInfo &info)
{
    if (m_maxFiles <= 0)
        return;
    m_closedFiles.push_back(info);
}

void Retention::enforce(int openFiles)
{
    if (m_maxFiles <= 0)
        return;
    while (!m_closedFiles.empty() && int(m_closedFiles.size()) + openFiles > m_maxFiles) {
        FileInfo info = std::move(m_closedFiles.front());
        m_closedFiles.pop_front();
        const QString name = info.name;
        if (!QFile::remove(info.path)) {
            Q_EMIT warningRaised(
                u"port %1: cannot delete %2 to keep --max-files %3: %4"_s.arg(m_port)
                    .arg(info.path)
                    .arg(m_maxFiles)
                    .arg(QFile(info.path).exists() ? u"permission denied"_s : u"it is gone"_s));
            continue;
        }
        info.state = FileInfo::State::Deleted;
        m_directory.removeFile(name);
        QString error;
        if (!m_manifest.append(manifestDeletionLine(name, m_port, QDateTime::currentDateTime(),
                                                    u"max-files %1"_s.arg(m_maxFiles),
                                                    m_counters.runNumber),
                               &error)) {
            ++m_counters.manifestErrors;
            Q_EMIT errorRaised(u"port %1: %2"_s.arg(m_port).arg(error));
        }
        Q_EMIT fileDeleted(info);
    }
}

} // namespace capture
