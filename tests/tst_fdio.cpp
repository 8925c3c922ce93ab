#include "core/util/fdio.h"

#include <QByteArray>
#include <QTest>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using capture::writeAll;
using capture::WriteResult;
using capture::WriteTo;

namespace {

QByteArray pattern(qsizetype size)
{
    QByteArray data(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        data[i] = char((i * 7 + i / 251) & 0xff);
    return data;
}

/// Everything readable from `fd` until end of file (or, non-blocking, until it is empty).
QByteArray readAll(int fd)
{
    QByteArray all;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return all;
        all.append(buffer, n);
    }
}

std::atomic_int g_signals{0};

void countSignal(int)
{
    ++g_signals;
}

} // namespace

class TestFdio : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void writesWholeBufferIntoPipe()
    {
        int fds[2];
        QCOMPARE(::pipe(fds), 0);
        const QByteArray data = pattern(1000);
        const WriteResult result = writeAll(fds[1], data.constData(), size_t(data.size()));
        QVERIFY(result.wroteAll);
        QCOMPARE(result.error, 0);
        QCOMPARE(result.written, size_t(data.size()));
        QVERIFY(!result.stalled());
        ::close(fds[1]);
        QCOMPARE(readAll(fds[0]), data);
        ::close(fds[0]);
    }

    void nothingToWrite()
    {
        int fds[2];
        QCOMPARE(::pipe(fds), 0);
        const WriteResult result = writeAll(fds[1], "", 0);
        QVERIFY(result.wroteAll);
        QCOMPARE(result.written, size_t(0));
        ::close(fds[0]);
        ::close(fds[1]);
    }

    // A blocking write into a full pipe, interrupted by signals (no SA_RESTART): write(2)
    // fails with EINTR while the pipe stays full (the reader waits for several signals to have
    // come, which the handler counts on the writing thread), then returns short counts as a
    // slow reader drains it. All must arrive, in order.
    void retriesSignalsAndPartialWrites()
    {
        struct sigaction action
        {};
        action.sa_handler = countSignal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = 0; // no SA_RESTART: a blocked write(2) is interrupted
        struct sigaction previous
        {};
        QCOMPARE(::sigaction(SIGALRM, &action, &previous), 0);

        int fds[2];
        QCOMPARE(::pipe2(fds, O_NONBLOCK), 0);
        const QByteArray data = pattern(4 * 1024 * 1024 + 3);
        // Full before the write starts: its first write(2) blocks with nothing written.
        const WriteResult fill = writeAll(fds[1], data.constData(), size_t(data.size()));
        QCOMPARE(fill.error, EAGAIN);
        QCOMPARE(::fcntl(fds[1], F_SETFL, 0), 0);

        g_signals = 0;
        std::atomic_bool writing{true};
        QByteArray received;
        std::thread reader([&] {
            const auto giveUp = std::chrono::steady_clock::now() + std::chrono::seconds(5);
            while (g_signals < 5 && writing && std::chrono::steady_clock::now() < giveUp)
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            ::fcntl(fds[0], F_SETFL, 0); // blocking reads from here on
            char buffer[4096];
            for (;;) {
                std::this_thread::sleep_for(std::chrono::microseconds(100));
                const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0)
                    return;
                received.append(buffer, n);
            }
        });
        // Signals for this thread only, every millisecond while it writes.
        const pthread_t writer = pthread_self();
        std::thread signaller([&] {
            while (writing) {
                pthread_kill(writer, SIGALRM);
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
        });
        const WriteResult rest =
            writeAll(fds[1], data.constData() + fill.written, size_t(data.size()) - fill.written);
        writing = false;
        signaller.join();
        const int interrupts = g_signals;
        ::sigaction(SIGALRM, &previous, nullptr);
        ::close(fds[1]);
        reader.join();
        ::close(fds[0]);

        QCOMPARE(rest.error, 0);
        QVERIFY(rest.wroteAll);
        QCOMPARE(rest.written, size_t(data.size()) - fill.written);
        QCOMPARE(received.size(), data.size());
        QVERIFY(received == data);
        QVERIFY2(interrupts >= 5, "too few signals came while writing: the test proved nothing");
    }

    // A non-blocking pipe with no reader takes what fits and then EAGAIN, reported as a value
    // with the bytes written until then.
    void stopsAtFullNonBlockingPipe()
    {
        int fds[2];
        QCOMPARE(::pipe2(fds, O_NONBLOCK), 0);
        const int capacity = ::fcntl(fds[1], F_GETPIPE_SZ);
        QVERIFY(capacity > 0);
        const QByteArray data = pattern(qsizetype(capacity) * 3 + 5);
        const WriteResult result = writeAll(fds[1], data.constData(), size_t(data.size()));
        QVERIFY(!result.wroteAll);
        QVERIFY(!result.stalled());
        QVERIFY(result.error == EAGAIN || result.error == EWOULDBLOCK);
        QVERIFY(result.written > 0);
        QVERIFY(result.written < size_t(data.size()));
        const QByteArray inPipe = readAll(fds[0]);
        QCOMPARE(size_t(inPipe.size()), result.written);
        QVERIFY(inPipe == data.first(inPipe.size()));

        // The rest goes once there is room again.
        const WriteResult rest =
            writeAll(fds[1], data.constData() + result.written, size_t(capacity) / 2);
        QVERIFY(rest.wroteAll);
        QCOMPARE(rest.written, size_t(capacity) / 2);
        ::close(fds[0]);
        ::close(fds[1]);
    }

    void reportsBadDescriptorAsValue()
    {
        int fds[2];
        QCOMPARE(::pipe(fds), 0);
        ::close(fds[1]);
        errno = 0;
        WriteResult result = writeAll(fds[1], "abc", 3); // closed
        QCOMPARE(result.error, EBADF);
        QCOMPARE(result.written, size_t(0));
        QVERIFY(!result.wroteAll);
        QVERIFY(!result.stalled());

        result = writeAll(fds[0], "abc", 3); // the read end
        QCOMPARE(result.error, EBADF);
        QCOMPARE(result.written, size_t(0));
        ::close(fds[0]);

        result = writeAll(-1, "abc", 3);
        QCOMPARE(result.error, EBADF);
    }

    // To a socket whose peer is gone: EPIPE as a value, and no SIGPIPE (which would end this
    // test process).
    void socketPeerGoneIsEpipeWithoutSignal()
    {
        int fds[2];
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
        ::close(fds[1]);
        const WriteResult result = writeAll(fds[0], "abc", 3, WriteTo::Socket);
        QCOMPARE(result.error, EPIPE);
        QCOMPARE(result.written, size_t(0));
        QVERIFY(!result.wroteAll);
        ::close(fds[0]);
    }

    void socketTakesWholeBuffer()
    {
        int fds[2];
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
        const QByteArray data = pattern(3000);
        const WriteResult result =
            writeAll(fds[0], data.constData(), size_t(data.size()), WriteTo::Socket);
        QVERIFY(result.wroteAll);
        QCOMPARE(result.written, size_t(data.size()));
        ::close(fds[0]);
        QCOMPARE(readAll(fds[1]), data);
        ::close(fds[1]);
    }
};

QTEST_GUILESS_MAIN(TestFdio)
#include "tst_fdio.moc"
