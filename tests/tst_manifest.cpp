// The manifest, rotation and --max-files, through the engine: what the manifest says against
// what was sent, and verifyDirectory against good and damaged directories.
#include "core/capture/fileseries.h"
#include "core/manifest/manifest.h"
#include "engineharness.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSysInfo>
#include <QTemporaryDir>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace capture;

namespace {

QList<QJsonObject> manifestLines(const QString &dir)
{
    QList<QJsonObject> lines;
    QFile file(QDir(dir).filePath(u"manifest.jsonl"_s));
    if (!file.open(QIODevice::ReadOnly))
        return lines;
    while (!file.atEnd()) {
        const QByteArray line = file.readLine();
        if (!line.endsWith('\n'))
            return {}; // every line is whole
        lines.append(QJsonDocument::fromJson(line).object());
    }
    return lines;
}

QList<QJsonObject> fileLines(const QString &dir)
{
    QList<QJsonObject> out;
    for (const QJsonObject &o : manifestLines(dir)) {
        if (o.value(u"type"_s).toString() == u"file")
            out.append(o);
    }
    return out;
}

/// The files of `lines`, read and concatenated in manifest order.
QByteArray concatenated(const QString &dir, const QList<QJsonObject> &lines)
{
    QByteArray all;
    for (const QJsonObject &o : lines)
        all += TestSupport::readFile(QDir(dir).filePath(o.value(u"file"_s).toString()));
    return all;
}

qint64 totalBytesOnDisk(const QString &dir)
{
    qint64 total = 0;
    for (const QString &name : filesIn(dir))
        total += QFileInfo(QDir(dir).filePath(name)).size();
    return total;
}

bool writeBytes(const QString &path, const QByteArray &data)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(data) == data.size();
}

VerifySummary verify(const QString &dir, QList<VerifyResult> *results = nullptr)
{
    return verifyDirectory(dir, [results](const VerifyResult &r) {
        if (results)
            results->append(r);
    });
}

/// A ManifestWriter in `dir` with what it reported collected.
struct Writer
{
    ManifestWriter writer;
    QStringList warnings;
    QStringList errors;
    QString path;

    bool open(const QString &dir)
    {
        writer.setReporter([this](ManifestWriter::Severity severity, const QString &message) {
            (severity == ManifestWriter::Severity::Error ? errors : warnings).append(message);
        });
        path = QDir(dir).filePath(u"manifest.jsonl"_s);
        QString error;
        return writer.open(dir, &error);
    }
    bool append(const QByteArray &line) { return writer.append(line, nullptr); }
};

/// The test line number `n`, `size` bytes with its newline.
QByteArray testLine(int n, qsizetype size = 40)
{
    QByteArray line = "{\"type\":\"test\",\"n\":" + QByteArray::number(n) + ",\"pad\":\"";
    line += QByteArray(qMax<qsizetype>(0, size - line.size() - 3), 'x');
    return line + "\"}\n";
}

QByteArray testLines(int from, int to)
{
    QByteArray all;
    for (int n = from; n <= to; ++n)
        all += testLine(n);
    return all;
}

/// A 64 KiB tmpfs mounted on a temporary directory (root only); lazily unmounted at the end.
class SmallVolume
{
public:
    SmallVolume()
    {
        m_mounted = m_dir.isValid() && ::mount("tmpfs", QFile::encodeName(m_dir.path()).constData(),
                                               "tmpfs", 0, "size=64k,mode=0755") == 0;
        if (!m_mounted)
            m_error = QString::fromLocal8Bit(std::strerror(errno));
    }
    ~SmallVolume()
    {
        if (m_mounted)
            ::umount2(QFile::encodeName(m_dir.path()).constData(), MNT_DETACH);
    }
    bool mounted() const { return m_mounted; }
    QString error() const { return m_error; }
    QString path() const { return m_dir.path(); }
    QString filler() const { return m_dir.filePath(u"filler"_s); }

    /// Fills the volume to the last byte; false if it would not fill.
    bool fill() const
    {
        const int fd = ::open(QFile::encodeName(filler()).constData(),
                              O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0)
            return false;
        const QByteArray chunk(4096, 'f');
        bool full = false;
        for (int i = 0; i < 1000 && !full; ++i)
            full = ::write(fd, chunk.constData(), size_t(chunk.size())) < 0 && errno == ENOSPC;
        ::close(fd);
        return full;
    }
    bool makeRoom() const { return QFile::remove(filler()); }

private:
    QTemporaryDir m_dir;
    bool m_mounted = false;
    QString m_error;
};

} // namespace

class TestManifest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init() { registerCaptureMetaTypes(); }

    // split=port: sequential connections follow each other; an overlapping one that writes
    // around another's data is marked interleaved, with the offset of its first byte.
    void splitPortOffsetsAndInterleaving()
    {
        QTemporaryDir dir;
        const quint16 port = TestSupport::freePort();
        Harness h;
        QVERIFY(h.start(settingsFor({port}, dir.path(), SplitMode::Port)));

        const QByteArray a = TestSupport::patternData(1, 300'000);
        const QByteArray b = TestSupport::patternData(2, 200'000);
        QCOMPARE(TestSupport::sendAll(port, a), std::nullopt);
        QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), 1, timeoutMs);
        QCOMPARE(TestSupport::sendAll(port, b), std::nullopt);
        QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), 2, timeoutMs);

        // c1, then d, then c2 — each waited for on disk, so the order in the file is known.
        const QByteArray c1 = TestSupport::patternData(3, 50'000);
        const QByteArray d = TestSupport::patternData(4, 70'000);
        const QByteArray c2 = TestSupport::patternData(5, 30'000);
        Client c(port);
        Client dc(port);
        QVERIFY(c.ok() && dc.ok());
        qint64 expected = a.size() + b.size();
        for (auto [client, data] : {std::pair{&c, c1}, std::pair{&dc, d}, std::pair{&c, c2}}) {
            QVERIFY(client->send(data));
            expected += data.size();
            QTRY_COMPARE_WITH_TIMEOUT(totalBytesOnDisk(dir.path()), expected, timeoutMs);
        }
        c.close();
        dc.close();
        QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), 4, timeoutMs);
        const StopSummary summary = h.stop();
        QCOMPARE(summary.bytesWritten, quint64(expected));

        const QList<QJsonObject> files = fileLines(dir.path());
        QCOMPARE(files.size(), 1);
        const QJsonObject f = files[0];
        const QString name = filesIn(dir.path()).at(0);
        QCOMPARE(f.value(u"file"_s).toString(), name);
        QCOMPARE(f.value(u"port"_s).toInt(), int(port));
        QCOMPARE(f.value(u"split"_s).toString(), u"port"_s);
        QCOMPARE(f.value(u"bytes"_s).toInteger(), expected);
        QCOMPARE(f.value(u"xxh128"_s).toString().toLatin1(),
                 TestSupport::fileXxh128(dir.filePath(name)));
        QCOMPARE(f.value(u"close_reason"_s).toString(), u"stopped"_s);
        QVERIFY(
            QDateTime::fromString(f.value(u"opened"_s).toString(), Qt::ISODateWithMs).isValid());
        QVERIFY(f.value(u"closed"_s).toString().contains(u'.')); // milliseconds

        const QJsonArray conns = f.value(u"connections"_s).toArray();
        QCOMPARE(conns.size(), 4);
        auto conn = [&](int i) { return conns[i].toObject(); };
        QCOMPARE(conn(0).value(u"offset"_s).toInteger(), 0);
        QCOMPARE(conn(0).value(u"bytes"_s).toInteger(), a.size());
        QCOMPARE(conn(1).value(u"offset"_s).toInteger(), a.size());
        QCOMPARE(conn(1).value(u"bytes"_s).toInteger(), b.size());
        for (int i = 0; i < 2; ++i) {
            QVERIFY(!conn(i).contains(u"interleaved"_s));
            QCOMPARE(conn(i).value(u"close_reason"_s).toString(), u"peer closed"_s);
            QVERIFY(conn(i).value(u"peer"_s).toString().startsWith(u"127.0.0.1:"_s));
        }
        // Connection ids tell c from d: c was accepted first.
        QJsonObject cj = conn(2), dj = conn(3);
        if (cj.value(u"id"_s).toInteger() > dj.value(u"id"_s).toInteger())
            std::swap(cj, dj);
        QCOMPARE(cj.value(u"offset"_s).toInteger(), a.size() + b.size());
        QCOMPARE(cj.value(u"bytes"_s).toInteger(), c1.size() + c2.size());
        QCOMPARE(cj.value(u"interleaved"_s).toBool(), true);
        QCOMPARE(dj.value(u"offset"_s).toInteger(), a.size() + b.size() + c1.size());
        QCOMPARE(dj.value(u"bytes"_s).toInteger(), d.size());
        QVERIFY(!dj.contains(u"interleaved"_s));
        QCOMPARE(TestSupport::readFile(dir.filePath(name)), a + b + c1 + d + c2);

        QList<VerifyResult> results;
        const VerifySummary v = verify(dir.path(), &results);
        QVERIFY2(v.passed(), qPrintable(v.text()));
        QCOMPARE(v.ok, 1);
    }

    // split=connection: one line per connection's file, its digest that of what it sent.
    void splitConnectionOneLinePerConnection()
    {
        QTemporaryDir dir;
        const quint16 port = TestSupport::freePort();
        Harness h;
        QVERIFY(h.start(settingsFor({port}, dir.path(), SplitMode::Connection)));
        QSet<QByteArray> sent;
        for (int i = 0; i < 3; ++i) {
            const QByteArray data = TestSupport::patternData(10 + i, 100'000 * (i + 1));
            sent.insert(TestSupport::xxh128(data));
            QCOMPARE(TestSupport::sendAll(port, data), std::nullopt);
        }
        QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), 3, timeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(fileLines(dir.path()).size(), 3, timeoutMs); // closed at once
        h.stop();
        const QList<QJsonObject> files = fileLines(dir.path());
        QCOMPARE(files.size(), 3);
        QSet<QByteArray> recorded;
        for (const QJsonObject &f : files) {
            QCOMPARE(f.value(u"split"_s).toString(), u"connection"_s);
            QCOMPARE(f.value(u"close_reason"_s).toString(), u"peer closed"_s);
            const QJsonArray conns = f.value(u"connections"_s).toArray();
            QCOMPARE(conns.size(), 1);
            QCOMPARE(conns[0].toObject().value(u"bytes"_s).toInteger(),
                     f.value(u"bytes"_s).toInteger());
            QVERIFY(!conns[0].toObject().contains(u"offset"_s));
            recorded.insert(f.value(u"xxh128"_s).toString().toLatin1());
        }
        QCOMPARE(recorded, sent);
        QVERIFY(verify(dir.path()).passed());
    }

    void rotationBySize_data()
    {
        QTest::addColumn<SplitMode>("split");
        QTest::addColumn<QString>("lastReason");
        QTest::newRow("split port") << SplitMode::Port << u"stopped"_s;
        QTest::newRow("split connection") << SplitMode::Connection << u"peer closed"_s;
    }
    // Files are cut exactly at the size, inside a read if need be: nothing lost or doubled.
    void rotationBySize()
    {
        QFETCH(SplitMode, split);
        QFETCH(QString, lastReason);
        QTemporaryDir dir;
        const quint16 port = TestSupport::freePort();
        CaptureSettings settings = settingsFor({port}, dir.path(), split);
        settings.rotateSize = 100'000;
        Harness h;
        QVERIFY(h.start(settings));
        const QByteArray data = TestSupport::patternData(7, 1'000'123);
        QCOMPARE(TestSupport::sendAll(port, data, 30'000), std::nullopt);
        QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), 1, timeoutMs);
        const StopSummary summary = h.stop();
        QCOMPARE(summary.bytesWritten, quint64(data.size()));

        const QList<QJsonObject> files = fileLines(dir.path());
        QCOMPARE(files.size(), 11);
        QCOMPARE(filesIn(dir.path()).size(), 11);
        QCOMPARE(concatenated(dir.path(), files), data);
        for (qsizetype i = 0; i < files.size(); ++i) {
            const QJsonObject &f = files[i];
            const bool last = i == files.size() - 1;
            QCOMPARE(f.value(u"bytes"_s).toInteger(), last ? 123 : 100'000);
            QCOMPARE(f.value(u"close_reason"_s).toString(),
                     last ? lastReason : u"rotation (size)"_s);
            const QJsonObject c = f.value(u"connections"_s).toArray().at(0).toObject();
            QCOMPARE(c.value(u"bytes"_s).toInteger(), f.value(u"bytes"_s).toInteger());
            // The connection goes on in the next file: not closed in this one.
            QCOMPARE(c.value(u"closed"_s).isNull(), !last);
        }
        QCOMPARE(h.filesOpened.size(), 11);
        QCOMPARE(h.filesClosed.size(), 11);
        QVERIFY(verify(dir.path()).passed());
    }

    // Interval rotation cuts at clock multiples; a file whose interval ends while its
    // connection is idle is closed on time, without waiting for more data.
    void rotationByInterval()
    {
        QTemporaryDir dir;
        const quint16 port = TestSupport::freePort();
        CaptureSettings settings = settingsFor({port}, dir.path(), SplitMode::Port);
        settings.rotateIntervalSec = 1;
        Harness h;
        QVERIFY(h.start(settings));
        Client client(port);
        QVERIFY(client.ok());
        QByteArray sent;
        for (int i = 0; i < 25; ++i) { // about 2.5 s: at least two boundaries
            const QByteArray chunk = TestSupport::patternData(100 + i, 20'000);
            QVERIFY(client.send(chunk));
            sent += chunk;
            QTest::qWait(100);
        }
        // Idle, connection open: the last file closes at its boundary all the same.
        QTRY_COMPARE_WITH_TIMEOUT(concatenated(dir.path(), fileLines(dir.path())).size(),
                                  sent.size(), 5000);
        client.close();
        QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), 1, timeoutMs);
        h.stop();
        const QList<QJsonObject> files = fileLines(dir.path());
        QVERIFY2(files.size() >= 3, qPrintable(QString::number(files.size())));
        QCOMPARE(concatenated(dir.path(), files), sent);
        for (const QJsonObject &f : files) {
            QCOMPARE(f.value(u"close_reason"_s).toString(), u"rotation (interval)"_s);
            // Each file ends before the next whole second after it opened.
            const QDateTime opened =
                QDateTime::fromString(f.value(u"opened"_s).toString(), Qt::ISODateWithMs);
            const QDateTime closed =
                QDateTime::fromString(f.value(u"closed"_s).toString(), Qt::ISODateWithMs);
            QVERIFY(opened.isValid() && closed.isValid());
            QVERIFY2(closed.toSecsSinceEpoch() - opened.toSecsSinceEpoch() <= 1,
                     qPrintable(f.value(u"file"_s).toString()));
        }
        QVERIFY(verify(dir.path()).passed());
    }

    void boundariesAreClockMultiples()
    {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (const qint64 interval : {1LL, 60LL, 900LL, 3600LL, 86400LL}) {
            const qint64 next = nextRotationBoundaryMs(now, interval);
            QVERIFY(next > now);
            QVERIFY(next - now <= interval * 1000);
            const QDateTime local = QDateTime::fromMSecsSinceEpoch(next);
            const qint64 secondOfDay = local.time().msecsSinceStartOfDay() / 1000;
            QCOMPARE(local.time().msec(), 0);
            QCOMPARE(secondOfDay % qMin<qint64>(interval, 86400), 0);
        }
        QCOMPARE(nextRotationBoundaryMs(now, 0), 0);
    }

    // --max-files: the oldest closed files go, the manifest says so, verify accepts it.
    void maxFilesDeletesTheOldest()
    {
        QTemporaryDir dir;
        const quint16 port = TestSupport::freePort();
        CaptureSettings settings = settingsFor({port}, dir.path(), SplitMode::Port);
        settings.rotateSize = 10'000;
        settings.maxFiles = 2;
        Harness h;
        QVERIFY(h.start(settings));
        const QByteArray data = TestSupport::patternData(9, 55'000);
        QCOMPARE(TestSupport::sendAll(port, data, 4096), std::nullopt);
        QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), 1, timeoutMs);
        h.stop();

        QCOMPARE(filesIn(dir.path()).size(), 2);
        const QList<QJsonObject> lines = manifestLines(dir.path());
        QList<QJsonObject> files;
        QStringList deleted;
        for (const QJsonObject &o : lines) {
            if (o.value(u"type"_s).toString() == u"deleted") {
                deleted.append(o.value(u"file"_s).toString());
                QCOMPARE(o.value(u"reason"_s).toString(), u"max-files 2"_s);
            } else if (o.value(u"type"_s).toString() == u"file") {
                files.append(o);
            }
        }
        QCOMPARE(files.size(), 6);
        QCOMPARE(deleted.size(), 4);
        for (int i = 0; i < 4; ++i)
            QCOMPARE(deleted[i], files[i].value(u"file"_s).toString());
        QCOMPARE(h.filesDeleted.size(), 4);
        QCOMPARE(concatenated(dir.path(), files.mid(4)), data.mid(40'000));

        QList<VerifyResult> results;
        const VerifySummary v = verify(dir.path(), &results);
        QVERIFY2(v.passed(), qPrintable(v.text()));
        QCOMPARE(v.deleted, 4);
        QCOMPARE(v.ok, 2);
    }

    // Run lines: a run with a start and no stop whose receiver is gone is UNSTOPPED (this test
    // process has a pid on this host, but it is no receiver); files no line names are
    // UNLISTED. Both fail verify; findLeftovers() finds the same.
    void verifyFindsLeftovers()
    {
        QTemporaryDir dir;
        const QByteArray start = manifestRunStartLine(u"run-a"_s, QDateTime::currentDateTime(),
                                                      QJsonObject{{u"split"_s, u"port"_s}});
        const QJsonObject startObject = QJsonDocument::fromJson(start).object();
        QCOMPARE(startObject.value(u"type"_s).toString(), u"run"_s);
        QCOMPARE(startObject.value(u"event"_s).toString(), u"start"_s);
        QCOMPARE(startObject.value(u"pid"_s).toInteger(), QCoreApplication::applicationPid());
        QCOMPARE(startObject.value(u"host"_s).toString(), QSysInfo::machineHostName());
        QCOMPARE(startObject.value(u"settings"_s).toObject().value(u"split"_s).toString(),
                 u"port"_s);
        ManifestFile listed;
        listed.file = u"stream_1_20260101_000000.bin"_s;
        listed.bytes = 3;
        QVERIFY(writeBytes(dir.filePath(listed.file), "abc"));
        QVERIFY(writeBytes(dir.filePath(u"stream_1_20260101_000001.bin"_s), "left"));
        QVERIFY(writeBytes(dir.filePath(u"notes.txt"_s), "any regular file"));
        QVERIFY(QDir(dir.path()).mkdir(u"subdir"_s)); // not a file: not reported
        QVERIFY(writeBytes(dir.filePath(u"manifest.jsonl"_s), start + manifestFileLine(listed)));

        QList<VerifyResult> results;
        const VerifySummary summary = verify(dir.path(), &results);
        QVERIFY(!summary.passed());
        QCOMPARE(summary.ok, 1);
        QCOMPARE(summary.unlisted, 2);
        QCOMPARE(summary.unstopped, 1);
        QCOMPARE(summary.running, 0);
        QStringList unlisted;
        for (const VerifyResult &r : results) {
            if (r.status == VerifyResult::Status::Unlisted)
                unlisted.append(r.file);
            if (r.status == VerifyResult::Status::Unstopped)
                QCOMPARE(r.file, u"run-a"_s);
        }
        QCOMPARE(unlisted, (QStringList{u"notes.txt"_s, u"stream_1_20260101_000001.bin"_s}));
        const DirectoryLeftovers leftovers = findLeftovers(dir.path());
        QCOMPARE(leftovers.unlisted, unlisted);
        QCOMPARE(leftovers.unstopped.size(), 1);
        QVERIFY(leftovers.running.isEmpty());

        // Stopped, and the files listed: nothing left.
        QFile manifest(dir.filePath(u"manifest.jsonl"_s));
        QVERIFY(manifest.open(QIODevice::Append));
        manifest.write(manifestRunStopLine(u"run-a"_s, QDateTime::currentDateTime(), {}));
        for (const QString &name : unlisted) {
            ManifestFile f;
            f.file = name;
            f.bytes = quint64(QFileInfo(dir.filePath(name)).size());
            manifest.write(manifestFileLine(f));
        }
        manifest.close();
        QVERIFY(verify(dir.path()).passed());
        QVERIFY(findLeftovers(dir.path()).isEmpty());
    }

    void verifyFindsDamage()
    {
        QTemporaryDir dir;
        const quint16 port = TestSupport::freePort();
        Harness h;
        QVERIFY(h.start(settingsFor({port}, dir.path(), SplitMode::Connection)));
        for (int i = 0; i < 3; ++i)
            QCOMPARE(TestSupport::sendAll(port, TestSupport::patternData(20 + i, 50'000)),
                     std::nullopt);
        QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), 3, timeoutMs);
        h.stop();
        QVERIFY(verify(dir.path()).passed());

        const QStringList names = filesIn(dir.path());
        QCOMPARE(names.size(), 3);
        { // one byte flipped in place: same size, other digest
            QFile f(dir.filePath(names[0]));
            QVERIFY(f.open(QIODevice::ReadWrite));
            f.seek(12'345);
            char byte = 0;
            f.getChar(&byte);
            f.seek(12'345);
            f.putChar(char(byte ^ 0x01));
        }
        QVERIFY(QFile::remove(dir.filePath(names[1])));
        QFile manifest(dir.filePath(u"manifest.jsonl"_s));
        QVERIFY(manifest.open(QIODevice::Append));
        manifest.write("this is not json\n");
        manifest.close();

        QList<VerifyResult> results;
        const VerifySummary v = verify(dir.path(), &results);
        QVERIFY(!v.passed());
        QCOMPARE(v.ok, 1);
        QCOMPARE(v.mismatch, 1);
        QCOMPARE(v.missing, 1);
        QCOMPARE(v.invalid, 1);
        QHash<QString, VerifyResult::Status> byFile;
        for (const VerifyResult &r : results)
            byFile.insert(r.file, r.status);
        QCOMPARE(byFile.value(names[0]), VerifyResult::Status::Mismatch);
        QCOMPARE(byFile.value(names[1]), VerifyResult::Status::Missing);
        QCOMPARE(byFile.value(names[2]), VerifyResult::Status::Ok);

        QTemporaryDir empty;
        const VerifySummary none = verify(empty.path());
        QVERIFY(!none.error.isEmpty());
        QVERIFY(!none.passed());
    }

    // Verify tells how far it is in bytes of the listed sizes: never backwards, never past the
    // total, and done == total at the end, a missing file counted as passed over.
    void verifyTellsProgressInBytes()
    {
        QTemporaryDir dir;
        QByteArray lines;
        lines += TestSupport::writeListedFile(dir.path(), u"a.bin"_s,
                                              TestSupport::patternData(1, 3 * 1024 * 1024));
        lines += TestSupport::writeListedFile(dir.path(), u"b.bin"_s, "x");
        lines += TestSupport::writeListedFile(dir.path(), u"c.bin"_s,
                                              TestSupport::patternData(2, 2 * 1024 * 1024));
        QVERIFY(QFile::remove(dir.filePath(u"c.bin"_s)));
        QVERIFY(TestSupport::writeManifest(dir.path(), lines));
        const qint64 total = 5 * 1024 * 1024 + 1;
        QList<std::pair<qint64, qint64>> told;
        const VerifySummary summary = verifyDirectory(
            dir.path(), [](const VerifyResult &) {}, nullptr,
            [&told](qint64 done, qint64 all) {
                told.append({done, all});
            });
        QCOMPARE(summary.ok, 2);
        QCOMPARE(summary.missing, 1);
        QVERIFY(!told.isEmpty());
        qint64 previous = 0;
        for (const auto &[done, all] : told) {
            QCOMPARE(all, total);
            QVERIFY2(done >= previous && done <= all,
                     qPrintable(u"%1 after %2"_s.arg(done).arg(previous)));
            previous = done;
        }
        QCOMPARE(told.last().first, total);

        // Nothing listed: one call, 0 of 0.
        QTemporaryDir empty;
        QVERIFY(TestSupport::writeManifest(empty.path(), {}));
        told.clear();
        verifyDirectory(
            empty.path(), [](const VerifyResult &) {}, nullptr,
            [&told](qint64 done, qint64 all) {
                told.append({done, all});
            });
        QCOMPARE(told, (QList<std::pair<qint64, qint64>>{{0, 0}}));
    }

    // --hash none: no digest is computed or recorded; verify still checks the sizes.
    void hashNoneRecordsSizesOnly()
    {
        QTemporaryDir dir;
        const quint16 port = TestSupport::freePort();
        CaptureSettings settings = settingsFor({port}, dir.path(), SplitMode::Port);
        settings.hash = HashAlgorithm::None;
        Harness h;
        QVERIFY(h.start(settings));
        QCOMPARE(TestSupport::sendAll(port, TestSupport::patternData(30, 12'345)), std::nullopt);
        QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), 1, timeoutMs);
        h.stop();
        const QList<QJsonObject> files = fileLines(dir.path());
        QCOMPARE(files.size(), 1);
        QVERIFY(!files[0].contains(u"sha256"_s) && !files[0].contains(u"xxh128"_s));
        QCOMPARE(files[0].value(u"bytes"_s).toInteger(), 12'345);
        QList<VerifyResult> results;
        QVERIFY(verify(dir.path(), &results).passed());
        QVERIFY(results.at(0).detail.contains(u"size only"_s));
        QCOMPARE(h.filesClosed.at(0).at(0).value<FileInfo>().digest, FileDigest{});
    }

    // The FileInfo of fileClosed carries the digest and the reason (the UI and events use it).
    void fileClosedCarriesDigestAndReason()
    {
        QTemporaryDir dir;
        const quint16 port = TestSupport::freePort();
        Harness h;
        QVERIFY(h.start(settingsFor({port}, dir.path(), SplitMode::Connection)));
        const QByteArray data = TestSupport::patternData(40, 77'777);
        QCOMPARE(TestSupport::sendAll(port, data), std::nullopt);
        QTRY_COMPARE_WITH_TIMEOUT(h.filesClosed.size(), 1, timeoutMs);
        const FileInfo info = h.filesClosed.at(0).at(0).value<FileInfo>();
        QCOMPARE(info.digest.algorithm, HashAlgorithm::Xxh128); // the default
        QCOMPARE(info.digest.hex.toLatin1(), TestSupport::xxh128(data));
        QCOMPARE(info.closeReason, u"peer closed"_s);
        QCOMPARE(info.bytes, quint64(data.size()));
        QCOMPARE(info.state, FileInfo::State::Closed);
        h.stop();
    }

    // The manifest deleted between appends: noticed, recreated, every line of the run in it
    // again, one warning per deletion; at the next append and at check() (the engine's tick).
    void writerRecreatesADeletedManifest()
    {
        QTemporaryDir dir;
        Writer w;
        QVERIFY(w.open(dir.path()));
        for (int n = 1; n <= 3; ++n)
            QVERIFY(w.append(testLine(n)));
        QVERIFY(QFile::remove(w.path));
        QVERIFY(w.append(testLine(4)));
        QCOMPARE(TestSupport::readFile(w.path), testLines(1, 4));
        QCOMPARE(w.warnings.size(), 1);
        QVERIFY2(w.warnings[0].contains(w.path + u" was deleted during the run"_s),
                 qPrintable(w.warnings[0]));
        QVERIFY(w.append(testLine(5)));
        QCOMPARE(w.warnings.size(), 1);

        QVERIFY(QFile::remove(w.path));
        w.writer.check();
        QCOMPARE(TestSupport::readFile(w.path), testLines(1, 5));
        QCOMPARE(w.warnings.size(), 2);
        QVERIFY(!(QFileInfo(w.path).permissions() & QFile::ReadOther)); // created 0640 again

        // Replaced by another file: the lines go into the new one, after what it holds.
        const QString other = dir.filePath(u"other"_s);
        {
            QFile file(other);
            QVERIFY(file.open(QIODevice::WriteOnly) && file.write("other\n") == 6);
        }
        QVERIFY(::rename(QFile::encodeName(other).constData(),
                         QFile::encodeName(w.path).constData()) == 0);
        QVERIFY(w.append(testLine(6)));
        QCOMPARE(TestSupport::readFile(w.path), "other\n" + testLines(1, 6));
        QCOMPARE(w.warnings.size(), 3);
        QVERIFY(w.warnings[2].contains(u"was replaced by another file"_s));
        QCOMPARE(w.writer.pendingCount(), 0);
        QVERIFY(w.errors.isEmpty());
    }

    // Replaced by a symbolic link, or the directory gone: not followed, not recreated; the
    // lines wait, in order, and go into the manifest once it can be created again.
    void writerKeepsLinesWhileTheManifestCannotBeCreated()
    {
        QTemporaryDir top;
        const QString dir = top.filePath(u"out"_s);
        QVERIFY(QDir().mkdir(dir));
        Writer w;
        QVERIFY(w.open(dir));
        QVERIFY(w.append(testLine(1)));
        const QString elsewhere = top.filePath(u"elsewhere"_s);
        const QString link = top.filePath(u"link"_s);
        QVERIFY(QFile::link(elsewhere, link));
        QVERIFY(::rename(QFile::encodeName(link).constData(),
                         QFile::encodeName(w.path).constData()) == 0);
        QVERIFY(w.append(testLine(2))); // kept, not lost
        QVERIFY(!QFileInfo::exists(elsewhere));
        QCOMPARE(w.writer.pendingCount(), 2);
        QCOMPARE(w.writer.pendingLines(), (QList<QByteArray>{testLine(1), testLine(2)}));
        QCOMPARE(w.warnings.size(), 1);
        QVERIFY2(w.warnings[0].contains(u"kept"_s), qPrintable(w.warnings[0]));

        QVERIFY(QDir(dir).removeRecursively());
        QVERIFY(w.append(testLine(3)));
        w.writer.check();
        QVERIFY(!QFileInfo::exists(dir)); // the directory is not ours to recreate
        QCOMPARE(w.writer.pendingCount(), 3);
        QCOMPARE(w.warnings.size(), 1); // retries say nothing new

        QVERIFY(QDir().mkdir(dir));
        w.writer.check();
        QCOMPARE(w.writer.pendingCount(), 0);
        QCOMPARE(TestSupport::readFile(w.path), testLines(1, 3));
        QCOMPARE(w.warnings.size(), 2);
        QVERIFY(w.errors.isEmpty());
        QCOMPARE(w.writer.linesLost(), 0u);
    }

    // ENOSPC (a full 64 KiB tmpfs): the line is kept, later lines queue behind it even where
    // they would fit, a part written is taken back, and all go in, in order, once there is room.
    void writerRetriesLinesThatFailed()
    {
        SmallVolume volume;
        if (!volume.mounted()) {
            qWarning("cannot mount a tmpfs: %s", qPrintable(volume.error()));
            QSKIP("a full volume needs a small tmpfs, which could not be mounted (reason above)");
        }
        Writer w;
        QVERIFY(w.open(volume.path()));
        QVERIFY(w.append(testLine(1, 100))); // the manifest has a page, with room in it
        QVERIFY(volume.fill());
        const QByteArray big = testLine(2, 10000); // more than the room left in the page
        QVERIFY(w.append(big));
        QCOMPARE(QFileInfo(w.path).size(), 100); // the part that fitted was taken back
        QCOMPARE(w.writer.pendingCount(), 1);
        QCOMPARE(w.warnings.size(), 1);
        QVERIFY2(w.warnings[0].contains(u"No space left on device"_s), qPrintable(w.warnings[0]));
        QVERIFY(w.append(testLine(3))); // would fit, but waits behind line 2
        w.writer.check();
        QCOMPARE(TestSupport::readFile(w.path), testLine(1, 100));
        QCOMPARE(w.writer.pendingLines(), (QList<QByteArray>{big, testLine(3)}));
        QCOMPARE(w.warnings.size(), 1);

        QVERIFY(volume.makeRoom());
        w.writer.check();
        QCOMPARE(w.writer.pendingCount(), 0);
        QCOMPARE(TestSupport::readFile(w.path), testLine(1, 100) + big + testLine(3));
        QCOMPARE(w.warnings.size(), 2);
        QVERIFY2(w.warnings[1].contains(u"2 line(s)"_s), qPrintable(w.warnings[1]));
        QVERIFY(w.errors.isEmpty());
        w.writer.close();
    }

    // What can be neither written nor kept is lost, counted, and told with the line in full.
    void writerCountsLinesOverTheBound()
    {
        SmallVolume volume;
        if (!volume.mounted()) {
            qWarning("cannot mount a tmpfs: %s", qPrintable(volume.error()));
            QSKIP("a full volume needs a small tmpfs, which could not be mounted (reason above)");
        }
        Writer w;
        w.writer.setMaxKeptBytes(1000);
        QVERIFY(w.open(volume.path()));
        QVERIFY(volume.fill());
        for (int n = 1; n <= 25; ++n)
            QVERIFY(w.append(testLine(n))); // 25 * 40 bytes: kept
        QString error;
        QVERIFY(!w.writer.append(testLine(26), &error));
        QVERIFY(!w.writer.append(testLine(27), &error));
        QVERIFY2(error.contains(QString::fromUtf8(testLine(27).trimmed())), qPrintable(error));
        QCOMPARE(w.writer.linesLost(), 2u);
        QCOMPARE(w.writer.pendingCount(), 25);

        QVERIFY(volume.makeRoom());
        QVERIFY(w.append(testLine(28)));
        QCOMPARE(TestSupport::readFile(w.path), testLines(1, 25) + testLine(28));
        QCOMPARE(w.writer.pendingCount(), 0);
        // Written lines make room for new ones: the oldest are forgotten, with one warning.
        for (int n = 29; n <= 40; ++n)
            QVERIFY(w.append(testLine(n)));
        QCOMPARE(w.writer.linesLost(), 2u);
        QVERIFY(std::any_of(w.warnings.begin(), w.warnings.end(),
                            [](const QString &m) { return m.contains(u"no longer kept"_s); }));
        // ... and a deletion then cannot bring those back: an error says how many.
        QVERIFY(QFile::remove(w.path));
        w.writer.check();
        QCOMPARE(w.errors.size(), 1);
        QCOMPARE(w.writer.linesNotRewritten(), 13u); // lines 1 to 13
        QCOMPARE(TestSupport::readFile(w.path),
                 testLines(14, 25) + testLine(28) + testLines(29, 40));
        w.writer.close();
    }

    // The manifest cannot be opened: the capture does not start, and says why.
    void unwritableManifestFailsTheStart()
    {
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkdir(u"manifest.jsonl"_s)); // a directory in its place
        Harness h;
        h.controller.start(settingsFor({TestSupport::freePort()}, dir.path(), SplitMode::Port));
        QTRY_COMPARE_WITH_TIMEOUT(h.startFailed.size(), 1, timeoutMs);
        QVERIFY(h.startFailed.at(0).at(1).toString().contains(u"manifest"_s));
    }

    // The record format both ways: each line the receiver writes reads back as what it
    // recorded, and lines it does not write are invalid, saying why.
    void recordsReadBackAsWritten()
    {
        using Type = ManifestRecord::Type;
        const QDateTime time = QDateTime::currentDateTime();
        const QString sha(64, u'a');
        const QString xxh(32, u'b');
        ManifestFile file;
        file.file = u"stream_5000_20261121_140307.bin"_s;
        file.port = 5000;
        file.bytes = 1234;
        file.digest = {HashAlgorithm::Sha256, sha};
        file.opened = time;
        file.closed = time;
        file.closeReason = u"stop"_s;
        ManifestRecord r = readManifestRecord(manifestFileLine(file).trimmed());
        QCOMPARE(r.type, Type::File);
        QCOMPARE(r.file, file.file);
        QCOMPARE(r.bytes, 1234);
        QCOMPARE(r.digest, (FileDigest{HashAlgorithm::Sha256, sha}));
        file.digest = {HashAlgorithm::Xxh128, xxh};
        r = readManifestRecord(manifestFileLine(file).trimmed());
        QCOMPARE(r.type, Type::File);
        QCOMPARE(r.digest, (FileDigest{HashAlgorithm::Xxh128, xxh}));
        QVERIFY(
            manifestFileLine(file).contains(QByteArray("\"xxh128\":\"" + xxh.toLatin1() + '"')));
        QVERIFY(!manifestFileLine(file).contains("sha256"));

        r = readManifestRecord(
            manifestLostLine(LostFile{u"b.bin"_s, 5001, 77, {}, {}}, time, u"deleted by hand"_s)
                .trimmed());
        QCOMPARE(r.type, Type::Lost);
        QCOMPARE(r.file, u"b.bin"_s);
        QCOMPARE(r.bytes, 77);
        QVERIFY(r.digest.isEmpty()); // no key: --hash none
        QCOMPARE(r.reason, u"deleted by hand"_s);

        r = readManifestRecord(
            manifestDeletionLine(u"c.bin"_s, 5002, time, u"--max-files 3"_s).trimmed());
        QCOMPARE(r.type, Type::Deleted);
        QCOMPARE(r.file, u"c.bin"_s);
        QCOMPARE(r.reason, u"--max-files 3"_s);

        r = readManifestRecord(manifestRunStartLine(u"run-1"_s, time, {}).trimmed());
        QCOMPARE(r.type, Type::RunStart);
        QCOMPARE(r.run, u"run-1"_s);
        QCOMPARE(r.host, QSysInfo::machineHostName());
        QCOMPARE(r.pid, QCoreApplication::applicationPid());
        QCOMPARE(r.time, manifestTime(time));

        r = readManifestRecord(manifestRunStopLine(u"run-1"_s, time, {}).trimmed());
        QCOMPARE(r.type, Type::RunStop);
        QCOMPARE(r.run, u"run-1"_s);

        const QList<std::pair<QByteArray, QString>> invalid{
            {"[1, 2]", u"not a JSON object"_s},
            {R"({"type":"run","run":"x","event":"pause"})", u"not a run record (run, event)"_s},
            {R"({"type":"file","file":"../a.bin","bytes":1,"sha256":null})",
             u"no valid \"file\" name"_s},
            {R"({"type":"file","file":"a.bin","bytes":-1,"sha256":null})",
             u"not a file record (type, bytes, xxh128 or sha256)"_s},
            {R"({"type":"file","file":"a.bin","bytes":1,"sha256":"abc"})",
             u"not a file record (type, bytes, xxh128 or sha256)"_s},
            // an xxh128 is 32 hex digits, a sha256 64; one line has one digest
            {R"({"type":"file","file":"a.bin","bytes":1,"xxh128":"0123456789abcdef"})",
             u"not a file record (type, bytes, xxh128 or sha256)"_s},
            {R"({"type":"file","file":"a.bin","bytes":1,"xxh128":null,"sha256":null})",
             u"not a file record (type, bytes, xxh128 or sha256)"_s},
            {R"({"type":"file","file":"a.bin","bytes":1,"xxh128":7})",
             u"not a file record (type, bytes, xxh128 or sha256)"_s},
            {R"({"type":"moved","file":"a.bin","bytes":1,"sha256":null})",
             u"not a file record (type, bytes, xxh128 or sha256)"_s}};
        for (const auto &[line, why] : invalid) {
            r = readManifestRecord(line);
            QCOMPARE(r.type, Type::Invalid);
            QVERIFY2(r.invalidReason.startsWith(why), qPrintable(r.invalidReason));
        }
    }
};

QTEST_GUILESS_MAIN(TestManifest)
#include "tst_manifest.moc"
