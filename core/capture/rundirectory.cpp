#include "core/capture/rundirectory.h"

namespace capture {

RunDirectory::RunDirectory(QObject *parent)
    : QObject(parent)
{}

bool RunDirectory::open(const QString &path, QString *error)
{
    return m_directory.open(path, error);
}

bool RunDirectory::check()
{
    if (m_losing)
        return true;
    const OutputDirectory::Change change = m_directory.check();
    if (change != OutputDirectory::Change::None)
        qWarning("DEBUGDIR %d %s", int(change), qPrintable(m_directory.path()));
    if (change == OutputDirectory::Change::None)
        return false;
    m_losing = true;
    Q_EMIT lost(change);
    m_losing = false;
    return true;
}

QList<LostFile> RunDirectory::takeFiles()
{
    const QList<LostFile> files = m_files.values();
    m_files.clear();
    return files;
}

} // namespace capture
