// udp-bench: the UDP scenario's two ends (bench/run.sh scenario 6), plain POSIX.
//   udp-bench send PORT SIZE RATE SECONDS   datagrams of SIZE bytes to 127.0.0.1:PORT at RATE
//                                           per second (sendmmsg, paced per millisecond) for
//                                           SECONDS; prints "sent N" and the rate reached.
//   udp-bench recv PORT BUFFER FILE         the raw reference: one socket (SO_RCVBUF BUFFER,
//                                           forced when permitted), recvmmsg in batches of 64
//                                           into 64 KiB slots, payloads written to FILE with
//                                           one write(2) per batch; on SIGTERM or SIGINT prints
//                                           "received N dropped D" (SO_MEMINFO) and exits.

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

volatile std::sig_atomic_t stopRequested = 0;

[[noreturn]] void usage()
{
    std::fprintf(stderr, "usage: udp-bench send PORT SIZE RATE SECONDS\n"
                         "       udp-bench recv PORT BUFFER FILE\n");
    std::exit(2);
}

long number(const char *text)
{
    char *end = nullptr;
    const long value = std::strtol(text, &end, 10);
    if (!end || *end || value < 0)
        usage();
    return value;
}

sockaddr_in loopback(int port)
{
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(std::uint16_t(port));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sa;
}

int send(int port, long size, long rate, long seconds)
{
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    const sockaddr_in to = loopback(port);
    if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr *>(&to), sizeof to) != 0) {
        std::perror("udp-bench send");
        return 1;
    }
    constexpr int batch = 64;
    std::vector<char> payload(std::size_t(size), 'x');
    std::vector<iovec> iov(batch, iovec{payload.data(), payload.size()});
    std::vector<mmsghdr> messages(batch);
    for (int i = 0; i < batch; ++i) {
        messages[std::size_t(i)] = {};
        messages[std::size_t(i)].msg_hdr.msg_iov = &iov[std::size_t(i)];
        messages[std::size_t(i)].msg_hdr.msg_iovlen = 1;
    }
    using Clock = std::chrono::steady_clock;
    const Clock::time_point start = Clock::now();
    const long total = rate * seconds;
    long sent = 0;
    while (sent < total) {
        // Due by now: rate per second, in steps of a millisecond.
        const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        long due = std::min(total, long(elapsed * double(rate)) + rate / 1000 + 1);
        if (due <= sent) {
            std::this_thread::sleep_for(std::chrono::microseconds(200));
            continue;
        }
        while (sent < due) {
            const int n =
                ::sendmmsg(fd, messages.data(), unsigned(std::min<long>(batch, due - sent)), 0);
            if (n < 0) {
                if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
                    continue; // not sent; again
                if (errno == ECONNREFUSED)
                    continue; // the receiver was not there for an earlier one
                std::perror("udp-bench send");
                return 1;
            }
            sent += n;
        }
    }
    const double seconds_ = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("sent %ld in %.3f s (%.0f/s)\n", sent, seconds_, double(sent) / seconds_);
    return 0;
}

long drops(int fd)
{
    std::uint32_t info[SK_MEMINFO_VARS] = {};
    socklen_t length = sizeof info;
    if (::getsockopt(fd, SOL_SOCKET, SO_MEMINFO, info, &length) != 0)
        return -1;
    return long(info[SK_MEMINFO_DROPS]);
}

int receive(int port, long buffer, const char *path)
{
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    const sockaddr_in at = loopback(port);
    const int value = int(buffer);
    if (fd < 0 ||
        (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &value, sizeof value) != 0 &&
         ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, sizeof value) != 0) ||
        ::bind(fd, reinterpret_cast<const sockaddr *>(&at), sizeof at) != 0) {
        std::perror("udp-bench recv");
        return 1;
    }
    const int out = ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (out < 0) {
        std::perror(path);
        return 1;
    }
    struct sigaction action
    {};
    action.sa_handler = [](int) { stopRequested = 1; };
    ::sigaction(SIGTERM, &action, nullptr);
    ::sigaction(SIGINT, &action, nullptr);
    std::printf("ready\n");
    std::fflush(stdout);

    constexpr int batch = 64;
    constexpr std::size_t slot = 65536;
    std::vector<char> slots(batch * slot);
    std::vector<char> staged;
    staged.reserve(batch * slot);
    std::vector<iovec> iov(batch);
    std::vector<mmsghdr> messages(batch);
    long received = 0;
    for (;;) {
        for (int i = 0; i < batch; ++i) {
            iov[std::size_t(i)] = {slots.data() + std::size_t(i) * slot, slot};
            messages[std::size_t(i)] = {};
            messages[std::size_t(i)].msg_hdr.msg_iov = &iov[std::size_t(i)];
            messages[std::size_t(i)].msg_hdr.msg_iovlen = 1;
        }
        const int n = ::recvmmsg(fd, messages.data(), batch, MSG_DONTWAIT, nullptr);
        if (n > 0) {
            staged.clear();
            for (int i = 0; i < n; ++i)
                staged.insert(staged.end(), slots.data() + std::size_t(i) * slot,
                              slots.data() + std::size_t(i) * slot +
                                  messages[std::size_t(i)].msg_len);
            if (::write(out, staged.data(), staged.size()) != ssize_t(staged.size())) {
                std::perror(path);
                return 1;
            }
            received += n;
            continue;
        }
        if (stopRequested)
            break; // what the kernel held was read first
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, 100);
    }
    std::printf("received %ld dropped %ld\n", received, drops(fd));
    ::close(out);
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc == 6 && std::string(argv[1]) == "send")
        return send(int(number(argv[2])), number(argv[3]), number(argv[4]), number(argv[5]));
    if (argc == 5 && std::string(argv[1]) == "recv")
        return receive(int(number(argv[2])), number(argv[3]), argv[4]);
    usage();
}
