#include "core/manifest/recovery.h"

#include "core/manifest/record.h"
#include "core/manifest/verify.h"
#include "core/manifest/writer.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonObject>
#include <QRegularExpression>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

/// The port and split mode a receiver's file name tells: stream_PORT_DATE_TIME[_PEER_PEERPORT]
/// [_N].bin. Port 0 for a name of another shape.
ManifestFile describeByName(const QString &name)
{
    static const QRegularExpression pattern(
        uR"(^stream_(\d{1,5})_\d{8}_\d{6}(_[0-9A-Za-z.\-]+_\d{1,5})?(_\d+)?\.bin$)"_s);
    ManifestFile file;
    file.file = name;
    const QRegularExpressionMatch m = pattern.match(name);
    if (m.hasMatch()) {
        const uint port = m.captured(1).toUInt();
        file.port = port <= 65535 ? quint16(port) : 0;
        file.split = m.capturedLength(2) > 0 ? SplitMode::Connection : SplitMode::Port;
    }
    return file;
}

} // namespace

RecoverSummary recoverDirectory(const QString &dir,
                                const std::function<void(const QString &line)> &report)
{
    RecoverSummary summary;
    if (!QFileInfo(dir).isDir()) {
        summary.error = u"%1 is not a directory"_s.arg(dir);
        return summary;
    }
    const DirectoryLeftovers leftovers = findLeftovers(dir);
    if (!leftovers.error.isEmpty()) {
        summary.error = leftovers.error;
        return summary;
    }
    if (!leftovers.running.isEmpty()) {
        // Its open files are not leftovers, and its record is not closed.
        summary.error = u"a receiver is recording into %1 now (%2): stop it first"_s.arg(
            dir, leftovers.running.first().describe());
        return summary;
    }
    if (leftovers.isEmpty())
        return summary;

    ManifestWriter manifest;
    QString error;
    if (!manifest.open(dir, &error)) {
        summary.error = error;
        return summary;
    }
    const auto append = [&manifest, &summary](const QByteArray &line) {
        QString why;
        if (manifest.append(line, &why) && manifest.pendingCount() == 0)
            return true;
        summary.error = why.isEmpty() ? u"cannot write to %1"_s.arg(manifest.path()) : why;
        return false;
    };
    for (const QString &name : leftovers.unlisted) {
        const QString path = QDir(dir).filePath(name);
        ManifestFile file = describeByName(name);
        qint64 size = 0;
        QString hex;
        if (!hashFile(path, leftovers.lastHash, &size, &hex, &error)) {
            report(u"FAILED   %1: cannot read: %2"_s.arg(name, error));
            ++summary.failed;
            continue;
        }
        file.bytes = quint64(size);
        file.digest = {leftovers.lastHash, hex};
        file.closed = file.opened = QFileInfo(path).lastModified();
        file.closeReason = u"recovered"_s;
        if (!append(manifestFileLine(file)))
            return summary;
        report(u"ADOPTED  %1: %2 bytes, %3"_s.arg(name).arg(size).arg(file.digest.text()));
        ++summary.adopted;
    }
    for (const ManifestRun &run : leftovers.unstopped) {
        if (!append(manifestRunStopLine(run.id, QDateTime::currentDateTime(),
                                        {{u"recovered"_s, true}})))
            return summary;
        report(u"CLOSED   %1: it never stopped; its record is closed as recovered"_s.arg(
            run.describe()));
        ++summary.runsClosed;
    }
    return summary;
}

} // namespace capture
