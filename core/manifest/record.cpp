#include "core/manifest/record.h"

#include "core/util/jsonline.h"

#include <QCoreApplication>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSysInfo>

#include <algorithm>

using namespace Qt::Literals::StringLiterals;

namespace capture {

QString splitModeName(SplitMode mode)
{
    return mode == SplitMode::Connection ? u"connection"_s : u"port"_s;
}

std::optional<SplitMode> splitModeFromName(const QString &name)
{
    if (name == u"port")
        return SplitMode::Port;
    if (name == u"connection")
        return SplitMode::Connection;
    return std::nullopt;
}

QString manifestTime(const QDateTime &time)
{
    return time.isValid() ? time.toOffsetFromUtc(time.offsetFromUtc()).toString(Qt::ISODateWithMs)
                          : QString();
}

namespace {

QJsonValue timeValue(const QDateTime &time)
{
    return time.isValid() ? QJsonValue(manifestTime(time)) : QJsonValue(QJsonValue::Null);
}

/// The digest of a file or lost line: the one algorithm key it has (hex of the right length,
/// or null), or none. False if a key holds something else or there are two.
bool readDigest(const QJsonObject &object, FileDigest *digest)
{
    *digest = {};
    for (HashAlgorithm hash : {HashAlgorithm::Xxh128, HashAlgorithm::Sha256}) {
        const QJsonValue value = object.value(hashAlgorithmName(hash));
        if (value.isUndefined())
            continue;
        const bool hex = value.isString() && value.toString().size() == hashHexLength(hash);
        if (digest->algorithm != HashAlgorithm::None || !(value.isNull() || hex))
            return false;
        *digest = {hash, value.toString()};
    }
    return true;
}

} // namespace

void insertDigest(QJsonObject *object, const FileDigest &digest)
{
    if (digest.algorithm != HashAlgorithm::None)
        object->insert(hashAlgorithmName(digest.algorithm), stringOrNull(digest.hex));
}

QByteArray manifestFileLine(const ManifestFile &file)
{
    QJsonArray connections;
    for (const ManifestConnection &c : file.connections) {
        QJsonObject o{{u"id"_s, qint64(c.id)},
                      {u"peer"_s, c.peer},
                      {u"opened"_s, timeValue(c.opened)},
                      {u"closed"_s, timeValue(c.closed)},
                      {u"bytes"_s, qint64(c.bytes)}};
        if (c.closed.isValid())
            o.insert(u"close_reason"_s, c.closeReason);
        if (file.split == SplitMode::Port)
            o.insert(u"offset"_s, qint64(c.offset));
        if (c.interleaved)
            o.insert(u"interleaved"_s, true);
        if (!c.tlsSubject.isEmpty())
            o.insert(u"tls_subject"_s, c.tlsSubject);
        if (!c.via.isEmpty())
            o.insert(u"via"_s, c.via);
        connections.append(o);
    }
    QJsonObject object{{u"type"_s, u"file"_s},
                       {u"file"_s, file.file},
                       {u"port"_s, file.port},
                       {u"split"_s, splitModeName(file.split)},
                       {u"bytes"_s, qint64(file.bytes)},
                       {u"opened"_s, timeValue(file.opened)},
                       {u"closed"_s, timeValue(file.closed)},
                       {u"close_reason"_s, file.closeReason},
                       {u"connections"_s, connections}};
    insertDigest(&object, file.digest);
    if (file.runNumber)
        object.insert(u"run_number"_s, *file.runNumber);
    if (!file.doneDir.isEmpty())
        object.insert(u"done_dir"_s, file.doneDir);
    if (file.unlistedConnections > 0)
        object.insert(u"connections_not_listed"_s, qint64(file.unlistedConnections));
    if (file.udp) {
        object.insert(u"udp_format"_s, file.udp->format);
        object.insert(u"datagrams"_s, qint64(file.udp->datagrams));
        object.insert(u"udp_dropped"_s, qint64(file.udp->dropped));
        object.insert(u"udp_truncated"_s, qint64(file.udp->truncated));
    }
    return jsonLine(object);
}

QByteArray manifestDeletionLine(const QString &file, quint16 port, const QDateTime &time,
                                const QString &reason, std::optional<qint64> runNumber)
{
    QJsonObject object{{u"type"_s, u"deleted"_s},
                       {u"file"_s, file},
                       {u"port"_s, port},
                       {u"deleted"_s, timeValue(time)},
                       {u"reason"_s, reason}};
    if (runNumber)
        object.insert(u"run_number"_s, *runNumber);
    return jsonLine(object);
}

QString newRunId()
{
    return QDateTime::currentDateTimeUtc().toString(u"yyyyMMdd'T'HHmmss.zzz'Z'"_s) + u'-' +
           QString::number(QCoreApplication::applicationPid());
}

QByteArray manifestRunStartLine(const QString &run, const QDateTime &time,
                                const QJsonObject &settings)
{
    return jsonLine({{u"type"_s, u"run"_s},
                     {u"event"_s, u"start"_s},
                     {u"run"_s, run},
                     {u"time"_s, timeValue(time)},
                     {u"version"_s, QCoreApplication::applicationVersion()},
                     {u"host"_s, QSysInfo::machineHostName()},
                     {u"pid"_s, QCoreApplication::applicationPid()},
                     {u"settings"_s, settings}});
}

QByteArray manifestRunStopLine(const QString &run, const QDateTime &time,
                               const QJsonObject &figures)
{
    QJsonObject object = figures;
    object.insert(u"type"_s, u"run"_s);
    object.insert(u"event"_s, u"stop"_s);
    object.insert(u"run"_s, run);
    object.insert(u"time"_s, timeValue(time));
    return jsonLine(object);
}

QByteArray manifestLostLine(const LostFile &file, const QDateTime &time, const QString &reason)
{
    QJsonObject object{{u"type"_s, u"lost"_s},       {u"file"_s, file.file},
                       {u"port"_s, file.port},       {u"bytes"_s, qint64(file.bytes)},
                       {u"lost"_s, timeValue(time)}, {u"reason"_s, reason}};
    insertDigest(&object, file.digest);
    if (file.runNumber)
        object.insert(u"run_number"_s, *file.runNumber);
    return jsonLine(object);
}

bool isManifestFileName(const QString &name)
{
    if (name.isEmpty() || name.startsWith(u'/') || name.contains(QChar(0)))
        return false;
    const QStringList parts = name.split(u'/');
    return std::none_of(parts.begin(), parts.end(), [](const QString &part) {
        return part.isEmpty() || part == u"." || part == u"..";
    });
}

QString manifestFilePath(const QString &dir, const QString &file, const QString &doneDir)
{
    return QDir(doneDir.isEmpty() ? dir : doneDir).filePath(file);
}

ManifestRecord readManifestRecord(const QByteArray &line)
{
    ManifestRecord record;
    const auto invalid = [&record](const QString &why) {
        record.invalidReason = why;
        return record;
    };
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(line, &parseError);
    if (!document.isObject())
        return invalid(u"not a JSON object (%1)"_s.arg(parseError.errorString()));
    const QJsonObject o = document.object();
    const QString type = o.value(u"type"_s).toString();
    if (type == u"run") {
        record.run = o.value(u"run"_s).toString();
        const QString event = o.value(u"event"_s).toString();
        if (record.run.isEmpty() || (event != u"start" && event != u"stop"))
            return invalid(u"not a run record (run, event)"_s);
        if (event == u"start") {
            record.type = ManifestRecord::Type::RunStart;
            record.host = o.value(u"host"_s).toString();
            record.pid = o.value(u"pid"_s).toInteger();
            record.time = o.value(u"time"_s).toString();
            const QString hash = o.value(u"settings"_s).toObject().value(u"hash"_s).toString();
            record.hash = hashAlgorithmFromName(hash).value_or(HashAlgorithm::None);
        } else {
            record.type = ManifestRecord::Type::RunStop;
        }
        return record;
    }
    record.file = o.value(u"file"_s).toString();
    // Names are relative to the directory, never paths elsewhere.
    if (!isManifestFileName(record.file))
        return invalid(u"no valid \"file\" name"_s);
    record.doneDir = o.value(u"done_dir"_s).toString();
    if (!record.doneDir.isEmpty() && !record.doneDir.startsWith(u'/'))
        return invalid(u"\"done_dir\" is not an absolute path"_s);
    record.reason = o.value(u"reason"_s).toString();
    if (type == u"deleted") {
        record.type = ManifestRecord::Type::Deleted;
        return record;
    }
    const QJsonValue bytes = o.value(u"bytes"_s);
    if ((type != u"file" && type != u"lost") || !bytes.isDouble() || bytes.toDouble() < 0 ||
        !readDigest(o, &record.digest))
        return invalid(u"not a file record (type, bytes, xxh128 or sha256)"_s);
    record.type = type == u"lost" ? ManifestRecord::Type::Lost : ManifestRecord::Type::File;
    record.bytes = qint64(bytes.toDouble());
    if (o.contains(u"udp_format"_s)) {
        ManifestUdp udp;
        udp.format = o.value(u"udp_format"_s).toString();
        udp.datagrams = quint64(o.value(u"datagrams"_s).toDouble());
        udp.dropped = quint64(o.value(u"udp_dropped"_s).toDouble());
        udp.truncated = quint64(o.value(u"udp_truncated"_s).toDouble());
        record.udp = udp;
    }
    return record;
}

} // namespace capture
