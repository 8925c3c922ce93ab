#include "core/capture/filesink.h"
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/resource.h>
#include <sys/stat.h>

using namespace Qt::Literals::StringLiterals;
using capture::FileSink;

class TestFileSink : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void writesExactBytes()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QString error;
        auto sink = FileSink::create(dir.path(), u"a.bin"_s, &error);
        QVERIFY2(sink, qPrintable(error));
        const QByteArray data = TestSupport::patternData(1, 3 * 1024 * 1024 + 17);
        QVERIFY(sink->write(data.constData(), 100));
        QVERIFY(sink->write(data.constData() + 100, data.size() - 100));
        QVERIFY(sink->write(data.constData(), 0));
        QCOMPARE(sink->bytesWritten(), quint64(data.size()));
        QVERIFY(sink->close());
        QVERIFY(!sink->isOpen());
        QCOMPARE(TestSupport::readFile(dir.filePath(u"a.bin"_s)), data);
        QCOMPARE(sink->path(), dir.filePath(u"a.bin"_s));
        QCOMPARE(sink->fileName(), u"a.bin"_s);
    }

    void neverOverwrites()
    {
        QTemporaryDir dir;
        QFile existing(dir.filePath(u"s.bin"_s));
        QVERIFY(existing.open(QIODevice::WriteOnly));
        existing.write("keep me");
        existing.close();

        QString error;
        auto second = FileSink::create(dir.path(), u"s.bin"_s, &error);
        QVERIFY2(second, qPrintable(error));
        QCOMPARE(second->fileName(), u"s_2.bin"_s);
        auto third = FileSink::create(dir.path(), u"s.bin"_s, &error);
        QVERIFY2(third, qPrintable(error));
        QCOMPARE(third->fileName(), u"s_3.bin"_s);
        QCOMPARE(TestSupport::readFile(dir.filePath(u"s.bin"_s)), QByteArray("keep me"));
    }

    void neverFollowsSymlinks()
    {
        QTemporaryDir dir;
        const QString target = dir.filePath(u"target"_s);
        QFile t(target);
        QVERIFY(t.open(QIODevice::WriteOnly));
        t.write("untouched");
        t.close();
        QVERIFY(QFile::link(target, dir.filePath(u"s.bin"_s)));
        QString error;
        auto sink = FileSink::create(dir.path(), u"s.bin"_s, &error);
        QVERIFY2(sink, qPrintable(error));
        QCOMPARE(sink->fileName(), u"s_2.bin"_s);
        QVERIFY(sink->write("x", 1));
        QCOMPARE(TestSupport::readFile(target), QByteArray("untouched"));
    }

    void createdWithRestrictedMode()
    {
        QTemporaryDir dir;
        QString error;
        auto sink = FileSink::create(dir.path(), u"m.bin"_s, &error);
        QVERIFY(sink);
        struct stat st
        {};
        QCOMPARE(::stat(QFile::encodeName(sink->path()).constData(), &st), 0);
        QCOMPARE(st.st_mode & 0777, mode_t(0640) & ~mode_t(0));
    }

    void openFailureNamesFileAndReason()
    {
        QTemporaryDir dir;
        const QString missing = dir.filePath(u"no/such/dir"_s);
        QString error;
        auto sink = FileSink::create(missing, u"x.bin"_s, &error);
        QVERIFY(!sink);
        QVERIFY2(error.contains(missing + u"/x.bin"_s), qPrintable(error));
        QVERIFY2(error.contains(u"No such file or directory"_s), qPrintable(error));
    }

    void writeFailureKeepsEarlierBytes()
    {
        // RLIMIT_FSIZE makes write(2) fail with EFBIG past the limit: a real write error.
        QTemporaryDir dir;
        QString error;
        auto sink = FileSink::create(dir.path(), u"big.bin"_s, &error);
        QVERIFY(sink);
        const auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit old{};
        QCOMPARE(::getrlimit(RLIMIT_FSIZE, &old), 0);
        rlimit small = old;
        small.rlim_cur = 64 * 1024;
        QCOMPARE(::setrlimit(RLIMIT_FSIZE, &small), 0);
        const QByteArray data = TestSupport::patternData(7, 100 * 1024);
        const bool ok = sink->write(data.constData(), data.size());
        const bool again = sink->write("y", 1);
        ::setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, oldHandler);

        QVERIFY(!ok);
        QVERIFY(!again); // nothing is written after the first failure
        QVERIFY(sink->hasFailed());
        QVERIFY2(sink->errorString().contains(u"File too large"_s),
                 qPrintable(sink->errorString()));
        QCOMPARE(sink->bytesWritten(), quint64(64 * 1024));
        QVERIFY(!sink->close()); // the failure stays reported
        QCOMPARE(TestSupport::readFile(sink->path()), data.left(64 * 1024));
    }
};

QTEST_GUILESS_MAIN(TestFileSink)
#include "tst_filesink.moc"
