#include "core/capture/readsource.h"
#include "core/util/syserror.h"

#include <QSignalSpy>
#include <QTest>

#include <cerrno>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

using capture::DescriptorSource;
using capture::ReadResult;

/// A session's reads come back as values: data, nothing now, the end, or an error with its
/// reason; nothing is left in errno for the caller.
class TestReadSource : public QObject
{
    Q_OBJECT

private:
    /// A connected pair of non-blocking stream sockets: [0] for the source, [1] the peer.
    static bool socketPair(int fds[2])
    {
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0)
            return false;
        return true;
    }

private Q_SLOTS:
    void dataThenWouldBlockThenEof()
    {
        int fds[2];
        QVERIFY(socketPair(fds));
        DescriptorSource source(fds[0]);
        char buffer[16] = {};

        QCOMPARE(source.peek(), ReadResult::Kind::WouldBlock);
        QCOMPARE(source.read(buffer, sizeof buffer).kind, ReadResult::Kind::WouldBlock);
        QCOMPARE(source.queued(), qint64(0));

        QCOMPARE(::write(fds[1], "hello", 5), ssize_t(5));
        QCOMPARE(source.peek(), ReadResult::Kind::Data);
        QCOMPARE(source.queued(), qint64(5));
        const ReadResult data = source.read(buffer, sizeof buffer);
        QCOMPARE(data.kind, ReadResult::Kind::Data);
        QCOMPARE(data.bytes, qint64(5));
        QCOMPARE(QByteArray(buffer, 5), QByteArray("hello"));
        QVERIFY(data.error.isEmpty());

        QCOMPARE(source.read(buffer, sizeof buffer).kind, ReadResult::Kind::WouldBlock);
        ::close(fds[1]);
        QCOMPARE(source.peek(), ReadResult::Kind::Eof);
        QCOMPARE(source.read(buffer, sizeof buffer).kind, ReadResult::Kind::Eof);
    }

    void errorCarriesItsReason()
    {
        // read(2) on a directory fails with EISDIR: the reason comes back in the result.
        const int fd = ::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        QVERIFY(fd >= 0);
        DescriptorSource source(fd);
        char buffer[16] = {};
        errno = 0;
        const ReadResult result = source.read(buffer, sizeof buffer);
        QCOMPARE(result.kind, ReadResult::Kind::Error);
        QCOMPARE(result.bytes, qint64(0));
        QCOMPARE(result.error, capture::systemErrorString(EISDIR));
    }

    void readableFollowsWatching()
    {
        int fds[2];
        QVERIFY(socketPair(fds));
        DescriptorSource source(fds[0]);
        QSignalSpy readable(&source, &DescriptorSource::readable);

        source.setWatching(false);
        QCOMPARE(::write(fds[1], "x", 1), ssize_t(1));
        QTest::qWait(50);
        QCOMPARE(readable.count(), 0);

        source.setWatching(true);
        QTRY_VERIFY(readable.count() > 0);

        source.close(); // the descriptor is closed: the peer sees the end
        char byte = 0;
        QTRY_COMPARE(::read(fds[1], &byte, 1), ssize_t(0));
        ::close(fds[1]);
    }
};

QTEST_GUILESS_MAIN(TestReadSource)
#include "tst_readsource.moc"
