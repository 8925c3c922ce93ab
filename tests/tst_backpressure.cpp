// Memory stays bounded when the sender is faster than the disk: the engine holds no unwritten
// data, so the kernel's socket buffers fill and TCP flow control slows the sender.
#include "core/capture/capturecontroller.h"
#include "core/capture/filesink.h"
#include "testsupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <atomic>
#include <thread>

using namespace Qt::Literals::StringLiterals;
using namespace capture;

namespace {

constexpr qint64 MiB = 1024 * 1024;

/// A file that accepts at most `bytesPerSecond`, like a slow disk: write() blocks the engine's
/// thread until the data is "due".
class SlowSink : public FileSink
{
public:
    static std::unique_ptr<FileSink> make(const QString &dir, const QString &name, QString *error,
                                          int *errorCode, double bytesPerSecond)
    {
        QString created;
        const int fd = openExclusive(dir, name, &created, error, errorCode);
        return fd < 0 ? nullptr
                      : std::unique_ptr<FileSink>(new SlowSink(fd, dir, created, bytesPerSecond));
    }

    bool write(const char *data, qint64 size) override
    {
        m_accepted += size;
        const qint64 dueMs = qint64(double(m_accepted) * 1000.0 / m_rate);
        const qint64 ahead = dueMs - m_clock.elapsed();
        if (ahead > 0)
            QThread::msleep(ulong(ahead));
        return FileSink::write(data, size);
    }

private:
    SlowSink(int fd, const QString &dir, const QString &name, double rate)
        : FileSink(fd, dir, name)
        , m_rate(rate)
    {
        m_clock.start();
    }

    double m_rate;
    qint64 m_accepted = 0;
    QElapsedTimer m_clock;
};

qint64 residentBytes()
{
    QFile status(u"/proc/self/status"_s);
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong() * 1024;
    }
    return -1;
}

} // namespace

class TestBackpressure : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void slowDiskSlowsTheSenderNotTheMemory()
    {
        constexpr double diskRate = 128.0 * MiB; // bytes per second
        constexpr qint64 total = 1024 * MiB;
        QTemporaryDir dir;
        const QList<quint16> ports = TestSupport::freePorts(1);
        CaptureController controller;
        QSignalSpy started(controller.events(), &CaptureEvents::started);
        QSignalSpy closed(controller.events(), &CaptureEvents::connectionClosed);
        QSignalSpy stopped(controller.events(), &CaptureEvents::stopped);
        CaptureSettings settings;
        settings.bindAddress = QHostAddress::LocalHost;
        settings.ports = ports;
        settings.outputDir = dir.path();
        settings.sinkFactory = [diskRate](const QString &d, const QString &n, QString *e,
                                          int *code) {
            return SlowSink::make(d, n, e, code, diskRate);
        };
        controller.start(settings);
        QTRY_COMPARE_WITH_TIMEOUT(started.size(), 1, 30000);

        const QByteArray chunk = TestSupport::patternData(7, 4 * MiB);
        const qint64 baseline = residentBytes();
        QVERIFY(baseline > 0);
        std::atomic<qint64> peak{baseline};
        std::atomic<bool> sending{true};
        std::thread monitor([&] {
            while (sending) {
                peak = std::max(peak.load(), residentBytes());
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        });
        QElapsedTimer senderClock;
        senderClock.start();
        std::optional<QString> error;
        // One stream of `total` bytes: the same 4 MiB chunk over and over.
        std::thread sender(
            [&] { error = TestSupport::sendRepeated(ports[0], chunk, int(total / chunk.size())); });
        sender.join();
        const qint64 senderMs = senderClock.elapsed();
        QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, 120000);
        sending = false;
        monitor.join();
        QCOMPARE(error, std::nullopt);

        // If the engine queued what the disk could not take, the sender would finish at
        // loopback speed (well under a second) and memory would grow by up to a GiB. With
        // backpressure it cannot finish before the disk has taken all but what the kernel's
        // buffers hold: a lower bound that a slow, noisy machine only makes easier to meet.
        const qint64 diskMs = qint64(double(total) * 1000.0 / diskRate);
        qInfo("sender took %lld ms for %lld MiB (disk-limited minimum %lld ms); "
              "peak RSS growth %lld KiB",
              senderMs, total / MiB, diskMs, (peak - baseline) / 1024);
        QVERIFY2(senderMs >= diskMs / 2, "the sender was not slowed by the slow disk");
        QVERIFY2(peak - baseline < 64 * MiB, "memory grew with the backlog");

        controller.stop();
        QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, 30000);
        const QStringList files = QDir(dir.path()).entryList({u"stream_*"_s}, QDir::Files);
        QCOMPARE(files.size(), 1);
        QFile file(dir.filePath(files[0]));
        QCOMPARE(file.size(), total);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.read(chunk.size()), chunk);
        QVERIFY(file.seek(total - chunk.size()));
        QCOMPARE(file.read(chunk.size()), chunk);
    }
};

QTEST_GUILESS_MAIN(TestBackpressure)
#include "tst_backpressure.moc"
