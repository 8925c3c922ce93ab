// The digests of recorded files: xxh128 (the default) and sha256 equal what the standard tools
// (`xxhsum -H2`, `sha256sum`) print for the same file, from 0 bytes to a few GiB recorded in
// odd chunk sizes across a rotation boundary; verify catches a flipped byte under each; old
// manifests (SHA-256 only, or "sha256": null) still verify; SHA-256 files hash in parallel.
#include "core/manifest/manifest.h"
#include "core/util/digest.h"
#include "core/util/hashworker.h"
#include "engineharness.h"
#include "testsupport.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

using namespace Qt::Literals::StringLiterals;
using namespace capture;

namespace {

/// What a standard tool prints for a file: `xxhsum -H2 FILE` for xxh128, `sha256sum FILE`
/// for sha256 (the first word of its line); empty if it could not run.
QByteArray standardToolDigest(HashAlgorithm hash, const QString &path)
{
    QProcess tool;
    if (hash == HashAlgorithm::Xxh128)
        tool.start(u"xxhsum"_s, {u"-H2"_s, path});
    else
        tool.start(u"sha256sum"_s, {path});
    if (!tool.waitForFinished(300000) || tool.exitStatus() != QProcess::NormalExit ||
        tool.exitCode() != 0) {
        qWarning("%s: %s", qPrintable(tool.program()), tool.readAllStandardError().constData());
        return {};
    }
    return tool.readAllStandardOutput().split(' ').value(0).trimmed();
}

/// The expected digest of a range of a stream made of `block` repeated, computed here with
/// libxxhash's and Qt's own streaming calls (not the receiver's classes).
class ExpectedDigest
{
public:
    explicit ExpectedDigest(HashAlgorithm hash)
        : m_hash(hash)
        , m_sha(QCryptographicHash::Sha256)
    {
        m_xxh = XXH3_createState();
        XXH3_128bits_reset(m_xxh);
    }
    ~ExpectedDigest() { XXH3_freeState(m_xxh); }
    ExpectedDigest(const ExpectedDigest &) = delete;
    ExpectedDigest &operator=(const ExpectedDigest &) = delete;

    void add(const char *data, qint64 size)
    {
        if (m_hash == HashAlgorithm::Xxh128)
            XXH3_128bits_update(m_xxh, data, size_t(size));
        else
            m_sha.addData(QByteArrayView(data, size));
    }
    QByteArray hex() const
    {
        if (m_hash == HashAlgorithm::Sha256)
            return m_sha.result().toHex();
        XXH128_canonical_t canonical;
        XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(m_xxh));
        return QByteArray(reinterpret_cast<const char *>(canonical.digest), 16).toHex();
    }

private:
    HashAlgorithm m_hash;
    XXH3_state_t *m_xxh = nullptr;
    QCryptographicHash m_sha;
};

/// Flips one byte of a file in place.
bool flipByte(const QString &path, qint64 offset)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return false;
    char c = 0;
    bool ok = ::pread(fd, &c, 1, offset) == 1;
    c = char(c ^ 0x5a);
    ok = ok && ::pwrite(fd, &c, 1, offset) == 1;
    ::close(fd);
    return ok;
}

} // namespace

class TestDigest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        registerCaptureMetaTypes();
        for (const char *tool : {"xxhsum", "sha256sum"}) {
            if (QStandardPaths::findExecutable(QString::fromLatin1(tool)).isEmpty())
                QFAIL(
                    qPrintable(u"%1 not found: installer/install-deps.sh --test installs it"_s.arg(
                        QString::fromLatin1(tool))));
        }
    }

    void names()
    {
        for (HashAlgorithm hash :
             {HashAlgorithm::None, HashAlgorithm::Xxh128, HashAlgorithm::Sha256})
            QCOMPARE(hashAlgorithmFromName(hashAlgorithmName(hash)), hash);
        QCOMPARE(hashAlgorithmName(HashAlgorithm::Xxh128), u"xxh128"_s);
        QCOMPARE(hashAlgorithmFromName(u"XXH128"_s), std::nullopt);
        QCOMPARE(hashAlgorithmFromName(u"md5"_s), std::nullopt);
        QCOMPARE(hashCheckCommand(HashAlgorithm::Xxh128), u"xxhsum -H2"_s);
        QCOMPARE(hashCheckCommand(HashAlgorithm::Sha256), u"sha256sum"_s);
        QCOMPARE(hashHexLength(HashAlgorithm::Xxh128), 32);
        QCOMPARE(hashHexLength(HashAlgorithm::Sha256), 64);
        QCOMPARE((FileDigest{HashAlgorithm::Xxh128, u"ab"_s}).text(), u"xxh128 ab"_s);
        QVERIFY((FileDigest{HashAlgorithm::Sha256, QString()}).isEmpty());
    }

    // The digest classes against the standard tools, for files of 0 bytes, 1 byte and a few
    // MiB fed in odd chunk sizes (and finalHex() resets for the next file).
    void digestEqualsStandardTool_data()
    {
        QTest::addColumn<int>("hash");
        QTest::addColumn<qsizetype>("size");
        for (HashAlgorithm hash : {HashAlgorithm::Xxh128, HashAlgorithm::Sha256}) {
            const QByteArray name = hashAlgorithmName(hash).toLatin1();
            QTest::newRow(QByteArray(name + " 0 bytes").constData()) << int(hash) << qsizetype(0);
            QTest::newRow(QByteArray(name + " 1 byte").constData()) << int(hash) << qsizetype(1);
            QTest::newRow(QByteArray(name + " 240 bytes").constData())
                << int(hash) << qsizetype(240); // XXH3 mid-size
            QTest::newRow(QByteArray(name + " 5 MiB + 7").constData())
                << int(hash) << qsizetype(5 * 1024 * 1024 + 7);
        }
    }
    void digestEqualsStandardTool()
    {
        QFETCH(int, hash);
        QFETCH(qsizetype, size);
        const auto algorithm = HashAlgorithm(hash);
        QTemporaryDir dir;
        const QString path = dir.filePath(u"data.bin"_s);
        const QByteArray data = TestSupport::patternData(77, size);
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly) && file.write(data) == data.size());
        file.close();
        const QByteArray expected = standardToolDigest(algorithm, path);
        QCOMPARE(expected.size(), hashHexLength(algorithm));

        Digest digest(algorithm);
        digest.update("left over from an earlier file", 30);
        digest.finalHex(); // resets
        const qsizetype chunks[] = {1, 4099, 65521, 3, 1048573};
        for (qsizetype offset = 0, i = 0; offset < data.size(); ++i) {
            const qsizetype n = qMin(chunks[i % 5], data.size() - offset);
            digest.update(data.constData() + offset, n);
            offset += n;
        }
        QCOMPARE(digest.finalHex(), expected);

        // The same through a hash worker (as --hash sha256 files are hashed).
        HashPool pool(64 * 1024, 2);
        HashWorker *worker = pool.acquire();
        auto shared = std::make_shared<Digest>(algorithm);
        for (qsizetype offset = 0; offset < data.size(); offset += 100003)
            worker->update(shared, data.constData() + offset,
                           qMin<qsizetype>(100003, data.size() - offset));
        QCOMPARE(worker->finish(shared), expected);
        pool.release(worker);

        qint64 fileSize = -1;
        QString hex;
        QString error;
        QVERIFY2(hashFile(path, algorithm, &fileSize, &hex, &error), qPrintable(error));
        QCOMPARE(fileSize, qint64(size));
        QCOMPARE(hex.toLatin1(), expected);
    }

    // The pool starts workers as files need them, up to its bound, and gives each new file the
    // least busy one; files hashed side by side come out right.
    void hashPoolSpreadsFiles()
    {
        HashPool pool(64 * 1024, 2);
        QCOMPARE(pool.workers(), 0);
        HashWorker *a = pool.acquire();
        QCOMPARE(pool.workers(), 1);
        HashWorker *b = pool.acquire();
        QCOMPARE(pool.workers(), 2);
        QVERIFY(a != b);
        HashWorker *c = pool.acquire(); // at the bound: shares the least busy
        QCOMPARE(pool.workers(), 2);
        QVERIFY(c == a || c == b);
        pool.release(a);
        pool.release(c);
        HashWorker *d = pool.acquire();
        QCOMPARE(pool.workers(), 2);
        QVERIFY(d != b); // b still hashes a file
        pool.release(b);
        pool.release(d);
        const HashPool sized; // the cores left beside the engine's thread
        QVERIFY(sized.maxWorkers() >= 1 && sized.maxWorkers() <= 8);

        QList<std::shared_ptr<Digest>> digests;
        QList<HashWorker *> workers;
        QList<QByteArray> data;
        for (int i = 0; i < 5; ++i) {
            digests.append(std::make_shared<Digest>(HashAlgorithm::Sha256));
            workers.append(pool.acquire());
            data.append(TestSupport::patternData(100 + i, 3 * 1024 * 1024 + i));
        }
        for (qsizetype offset = 0; offset < data.last().size(); offset += 65536) {
            for (int i = 0; i < 5; ++i) {
                if (offset < data[i].size())
                    workers[i]->update(digests[i], data[i].constData() + offset,
                                       qMin<qsizetype>(65536, data[i].size() - offset));
            }
        }
        for (int i = 0; i < 5; ++i) {
            QCOMPARE(workers[i]->finish(digests[i]), TestSupport::sha256(data[i]));
            pool.release(workers[i]);
        }
    }

    // A few GiB through the receiver, read in whatever sizes the kernel hands over, into two
    // files cut at an odd rotation boundary, plus a 1-byte connection: every manifest digest
    // equals the standard tool's for the file and the digest of what was sent; verify passes,
    // then catches one flipped byte.
    void recordedFilesMatchStandardTools_data()
    {
        QTest::addColumn<int>("hash");
        QTest::addColumn<qint64>("total");
        // Under the sanitizers the engine runs several times slower: a smaller stream keeps the
        // test's time in bounds and still crosses the boundary in the middle of a read.
#ifdef CAPTURE_SANITIZED
        const qint64 gib = 1LL << 28;
#else
        const qint64 gib = 1LL << 30;
#endif
        QTest::newRow("xxh128") << int(HashAlgorithm::Xxh128) << 3 * gib;
        QTest::newRow("sha256") << int(HashAlgorithm::Sha256) << 2 * gib;
    }
    void recordedFilesMatchStandardTools()
    {
        QFETCH(int, hash);
        QFETCH(qint64, total);
        const auto algorithm = HashAlgorithm(hash);
        QTemporaryDir dir(QDir::tempPath() + u"/tst_digest-XXXXXX"_s);
        QVERIFY(dir.isValid());
        const QList<quint16> ports = TestSupport::freePorts(2);
        CaptureSettings settings = settingsFor(ports, dir.path(), SplitMode::Port);
        settings.hash = algorithm;
        // One block, sent over and over: 7 MiB + 13 bytes, so no two reads line up alike.
        const QByteArray block = TestSupport::patternData(2026, 7 * 1024 * 1024 + 13);
        const int times = int((total + block.size() - 1) / block.size());
        const qint64 sent = qint64(times) * block.size();
        const qint64 boundary = sent / 2 + 12345; // not a multiple of any read size
        settings.rotateSize = quint64(boundary);
        Harness h;
        QVERIFY(h.start(settings));

        QCOMPARE(TestSupport::sendRepeated(ports[0], block, times), std::nullopt);
        QCOMPARE(TestSupport::sendAll(ports[1], "x"), std::nullopt); // a 1-byte file
        QTRY_COMPARE_WITH_TIMEOUT(h.closed.size(), 2, timeoutMs * 5);
        h.stop();

        // What each file should hold: the stream cut at the boundary.
        ExpectedDigest first(algorithm);
        ExpectedDigest second(algorithm);
        for (qint64 offset = 0; offset < sent; offset += block.size()) {
            const qint64 cut = qBound<qint64>(0, boundary - offset, block.size());
            first.add(block.constData(), cut);
            second.add(block.constData() + cut, block.size() - cut);
        }
        ExpectedDigest oneByte(algorithm);
        oneByte.add("x", 1);

        const QList<QJsonObject> lines = TestSupport::manifestRecords(dir.path(), u"file"_s);
        QCOMPARE(lines.size(), 3);
        const QString key = hashAlgorithmName(algorithm);
        const QString other = algorithm == HashAlgorithm::Xxh128 ? u"sha256"_s : u"xxh128"_s;
        QMap<QString, QByteArray> expected; // file -> digest
        qint64 streamBytes = 0;
        for (const QJsonObject &line : lines) {
            const QString name = line.value(u"file"_s).toString();
            const QString path = QDir(dir.path()).filePath(name);
            const QByteArray recorded = line.value(key).toString().toLatin1();
            QVERIFY2(!line.contains(other), qPrintable(name));
            QCOMPARE(recorded.size(), hashHexLength(algorithm));
            QCOMPARE(standardToolDigest(algorithm, path), recorded);
            QCOMPARE(QFileInfo(path).size(), line.value(u"bytes"_s).toInteger());
            if (line.value(u"port"_s).toInt() == ports[1]) {
                QCOMPARE(line.value(u"bytes"_s).toInteger(), 1);
                QCOMPARE(recorded, oneByte.hex());
                continue;
            }
            const bool isFirst = line.value(u"close_reason"_s).toString() == u"rotation (size)"_s;
            QCOMPARE(line.value(u"bytes"_s).toInteger(), isFirst ? boundary : sent - boundary);
            QCOMPARE(recorded, isFirst ? first.hex() : second.hex());
            streamBytes += line.value(u"bytes"_s).toInteger();
            expected.insert(path, recorded);
        }
        QCOMPARE(streamBytes, sent);

        QList<VerifyResult> results;
        VerifySummary summary =
            verifyDirectory(dir.path(), [&results](const VerifyResult &r) { results.append(r); });
        QVERIFY2(summary.passed(), qPrintable(summary.text()));
        QCOMPARE(summary.ok, 3);
        for (const VerifyResult &r : std::as_const(results))
            QVERIFY2(r.detail.contains(key + u' '), qPrintable(r.detail));

        // One flipped byte in the second file: verify names the file and the algorithm.
        const QString flipped = expected.lastKey();
        QVERIFY(flipByte(flipped, QFileInfo(flipped).size() / 3));
        results.clear();
        summary =
            verifyDirectory(dir.path(), [&results](const VerifyResult &r) { results.append(r); });
        QVERIFY(!summary.passed());
        QCOMPARE(summary.mismatch, 1);
        QCOMPARE(summary.ok, 2);
        bool named = false;
        for (const VerifyResult &r : std::as_const(results)) {
            if (r.status == VerifyResult::Status::Mismatch) {
                named = QDir(dir.path()).filePath(r.file) == flipped &&
                        r.detail.startsWith(key + u' ') &&
                        r.detail.contains(QString::fromLatin1(expected.last()));
                QVERIFY2(named, qPrintable(r.file + u": "_s + r.detail));
            }
        }
        QVERIFY(named);
    }

    // Manifests written before xxh128 became the default: SHA-256 digests, and
    // "sha256": null for --hash none; they verify as they did, and a flipped byte is caught.
    void oldManifestsStillVerify()
    {
        QTemporaryDir dir;
        const QByteArray a = TestSupport::patternData(1, 300000);
        const QByteArray b = TestSupport::patternData(2, 1000);
        for (const auto &[name, data] : {std::pair{u"stream_5000_20261121_120000.bin"_s, a},
                                         std::pair{u"stream_5001_20261121_120000.bin"_s, b}}) {
            QFile f(dir.filePath(name));
            QVERIFY(f.open(QIODevice::WriteOnly) && f.write(data) == data.size());
        }
        const auto line = [](const QJsonObject &o) -> QByteArray {
            return QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
        };
        const QJsonObject times{{u"opened"_s, u"2026-11-21T12:00:00.000+01:00"_s},
                                {u"closed"_s, u"2026-11-21T12:00:01.000+01:00"_s},
                                {u"close_reason"_s, u"stopped"_s},
                                {u"split"_s, u"port"_s},
                                {u"connections"_s, QJsonArray()}};
        QJsonObject fileA = times;
        fileA.insert(u"type"_s, u"file"_s);
        fileA.insert(u"file"_s, u"stream_5000_20261121_120000.bin"_s);
        fileA.insert(u"port"_s, 5000);
        fileA.insert(u"bytes"_s, 300000);
        fileA.insert(u"sha256"_s, QString::fromLatin1(TestSupport::sha256(a)));
        QJsonObject fileB = times;
        fileB.insert(u"type"_s, u"file"_s);
        fileB.insert(u"file"_s, u"stream_5001_20261121_120000.bin"_s);
        fileB.insert(u"port"_s, 5001);
        fileB.insert(u"bytes"_s, 1000);
        fileB.insert(u"sha256"_s, QJsonValue::Null); // --hash none, as it was written then
        const QByteArray manifest = line({{u"type"_s, u"run"_s},
                                          {u"event"_s, u"start"_s},
                                          {u"run"_s, u"r1"_s},
                                          {u"time"_s, u"2026-11-21T12:00:00.000+01:00"_s},
                                          {u"version"_s, u"0.1.0"_s},
                                          {u"host"_s, u"h"_s},
                                          {u"pid"_s, 1},
                                          {u"settings"_s, QJsonObject{{u"hash"_s, u"sha256"_s}}}}) +
                                    line(fileA) + line(fileB) +
                                    line({{u"type"_s, u"run"_s},
                                          {u"event"_s, u"stop"_s},
                                          {u"run"_s, u"r1"_s},
                                          {u"time"_s, u"2026-11-21T12:00:02.000+01:00"_s}});
        QFile m(dir.filePath(u"manifest.jsonl"_s));
        QVERIFY(m.open(QIODevice::WriteOnly) && m.write(manifest) == manifest.size());
        m.close();

        QList<VerifyResult> results;
        VerifySummary summary =
            verifyDirectory(dir.path(), [&results](const VerifyResult &r) { results.append(r); });
        QVERIFY2(summary.passed(), qPrintable(summary.text()));
        QCOMPARE(summary.ok, 2);
        QCOMPARE(results.size(), 2);
        QVERIFY2(
            results[0].detail.contains(u"sha256 "_s + QString::fromLatin1(TestSupport::sha256(a))),
            qPrintable(results[0].detail));
        QVERIFY2(results[1].detail.contains(u"size only"_s), qPrintable(results[1].detail));

        QVERIFY(flipByte(dir.filePath(u"stream_5000_20261121_120000.bin"_s), 123456));
        summary = verifyDirectory(dir.path(), [](const VerifyResult &) {});
        QCOMPARE(summary.mismatch, 1);
    }
};

QTEST_GUILESS_MAIN(TestDigest)
#include "tst_digest.moc"
