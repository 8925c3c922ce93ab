// raw-receiver: the least a capture can do — one epoll loop, recv into one buffer, write(2) to
// the file. The benchmark's reference for what this machine can do; no Qt, no features.

#include "portlist.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <netinet/in.h>
#include <optional>
#include <string>
#include <string_view>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_set>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t bufferSize = 1 << 20;
// Per wake-up, as capture-receiver does, so one fast sender cannot starve the others.
constexpr size_t readBudget = 8 << 20;

[[noreturn]] void usageError(const std::string &message)
{
    std::fprintf(stderr,
                 "raw-receiver: %s\nusage: raw-receiver --bind ADDR --ports SPEC --output DIR "
                 "[--split port|connection] [--drain-timeout SECONDS]\n",
                 message.c_str());
    std::exit(2);
}

__attribute__((format(printf, 1, 2))) void log(const char *format, ...)
{
    std::va_list args;
    va_start(args, format);
    std::fputs("raw-receiver: ", stderr);
    std::vfprintf(stderr, format, args);
    std::fputc('\n', stderr);
    va_end(args);
}

std::string timestamp()
{
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    ::localtime_r(&now, &local);
    char text[32];
    std::strftime(text, sizeof text, "%Y%m%d_%H%M%S", &local);
    return text;
}

// capture-receiver's names: never overwrite, number a taken name before ".bin".
int createFile(const std::string &dir, const std::string &stem, std::string *path)
{
    for (int n = 1;; ++n) {
        *path = dir + '/' + stem + (n == 1 ? "" : '_' + std::to_string(n)) + ".bin";
        const int fd =
            ::open(path->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
}

struct Listener
{
    int fd = -1;
    uint16_t port = 0;
    int file = -1; // --split port: the port's file, created by its first connection
    std::string path;
    bool acceptFailed = false;
};

struct Connection
{
    int fd = -1;
    int file = -1;
    Listener *listener = nullptr;
    uint64_t bytes = 0;
    std::string peer;
};

class Receiver
{
public:
    int run(const std::vector<uint16_t> &ports, const std::string &bind, const std::string &dir,
            bool splitByConnection, double drainTimeout);

private:
    void acceptAll(Listener &listener);
    void readFrom(Connection *c);
    void close(Connection *c);

    std::string m_dir;
    bool m_splitByConnection = false;
    int m_epoll = -1;
    std::vector<Listener> m_listeners;
    std::vector<char> m_buffer = std::vector<char>(bufferSize);
    std::unordered_set<Connection *> m_connections;
    bool m_failed = false;
};

void Receiver::acceptAll(Listener &listener)
{
    while (true) {
        sockaddr_storage peer{};
        socklen_t length = sizeof peer;
        const int fd = ::accept4(listener.fd, reinterpret_cast<sockaddr *>(&peer), &length,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK && !listener.acceptFailed) {
                log("port %u: accept: %s", listener.port, std::strerror(errno));
                listener.acceptFailed = true; // once: it stays readable while out of descriptors
            }
            return;
        }
        auto *c = new Connection{fd, -1, &listener, 0, {}};
        char host[INET6_ADDRSTRLEN] = "?";
        uint16_t peerPort = 0;
        if (peer.ss_family == AF_INET6) {
            const auto *v6 = reinterpret_cast<sockaddr_in6 *>(&peer);
            ::inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
            peerPort = ntohs(v6->sin6_port);
        } else {
            const auto *v4 = reinterpret_cast<sockaddr_in *>(&peer);
            ::inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
            peerPort = ntohs(v4->sin_port);
        }
        c->peer = std::string(host) + ':' + std::to_string(peerPort);
        std::string path;
        if (m_splitByConnection) {
            std::string name = host;
            std::replace(name.begin(), name.end(), ':', '-');
            c->file = createFile(m_dir,
                                 "stream_" + std::to_string(listener.port) + '_' + timestamp() +
                                     '_' + name + '_' + std::to_string(peerPort),
                                 &path);
        } else {
            if (listener.file < 0)
                listener.file =
                    createFile(m_dir, "stream_" + std::to_string(listener.port) + '_' + timestamp(),
                               &listener.path);
            c->file = listener.file;
            path = listener.path;
        }
        if (c->file < 0) {
            log("port %u: cannot create %s: %s", listener.port, path.c_str(), std::strerror(errno));
            m_failed = true;
            ::close(fd);
            delete c;
            continue;
        }
        epoll_event event{};
        event.events = EPOLLIN | EPOLLRDHUP;
        event.data.ptr = c;
        ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &event);
        m_connections.insert(c);
    }
}

void Receiver::readFrom(Connection *c)
{
    size_t budget = readBudget;
    while (budget > 0) {
        const ssize_t n = ::recv(c->fd, m_buffer.data(), m_buffer.size(), 0);
        if (n == 0) {
            close(c);
            return;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            log("port %u: %s: recv: %s", c->listener->port, c->peer.c_str(), std::strerror(errno));
            close(c);
            return;
        }
        for (ssize_t done = 0; done < n;) {
            const ssize_t w = ::write(c->file, m_buffer.data() + done, size_t(n - done));
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                log("port %u: write: %s", c->listener->port, std::strerror(errno));
                m_failed = true;
                close(c);
                return;
            }
            done += w;
        }
        c->bytes += uint64_t(n);
        budget -= std::min(budget, size_t(n));
    }
}

void Receiver::close(Connection *c)
{
    ::close(c->fd); // leaves the epoll set with it
    if (m_splitByConnection)
        ::close(c->file);
    m_connections.erase(c);
    delete c;
}

int Receiver::run(const std::vector<uint16_t> &ports, const std::string &bind,
                  const std::string &dir, bool splitByConnection, double drainTimeout)
{
    m_dir = dir;
    m_splitByConnection = splitByConnection;
    sockaddr_storage address{};
    socklen_t addressLength = 0;
    std::string host = bind;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    auto *v4 = reinterpret_cast<sockaddr_in *>(&address);
    auto *v6 = reinterpret_cast<sockaddr_in6 *>(&address);
    if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        addressLength = sizeof *v4;
    } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        addressLength = sizeof *v6;
    } else {
        usageError("invalid --bind '" + bind + "'");
    }

    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    ::sigprocmask(SIG_BLOCK, &signals, nullptr);
    const int signalFd = ::signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (signalFd < 0 || m_epoll < 0) {
        log("signalfd/epoll: %s", std::strerror(errno));
        return 1;
    }
    epoll_event signalEvent{};
    signalEvent.events = EPOLLIN;
    signalEvent.data.ptr = nullptr;
    ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, signalFd, &signalEvent);

    m_listeners.resize(ports.size());
    for (size_t i = 0; i < ports.size(); ++i) {
        Listener &listener = m_listeners[i];
        listener.port = ports[i];
        if (address.ss_family == AF_INET6)
            v6->sin6_port = htons(ports[i]);
        else
            v4->sin_port = htons(ports[i]);
        listener.fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        const int one = 1;
        if (listener.fd >= 0)
            ::setsockopt(listener.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (listener.fd < 0 ||
            ::bind(listener.fd, reinterpret_cast<sockaddr *>(&address), addressLength) != 0 ||
            ::listen(listener.fd, SOMAXCONN) != 0) {
            log("port %u: %s", ports[i], std::strerror(errno));
            return 1;
        }
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.ptr = &listener; // told apart from connections by address range below
        ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, listener.fd, &event);
        std::fprintf(stderr, "listening on %s%s%s:%u\n", address.ss_family == AF_INET6 ? "[" : "",
                     host.c_str(), address.ss_family == AF_INET6 ? "]" : "", ports[i]);
    }

    const Listener *const firstListener = m_listeners.data();
    const Listener *const endListener = firstListener + m_listeners.size();
    bool stopping = false;
    Clock::time_point drainDeadline;
    std::vector<epoll_event> events(1024);
    while (!stopping || !m_connections.empty()) {
        int timeout = -1;
        if (stopping) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(drainDeadline - Clock::now());
            if (left.count() <= 0) {
                log("drain timeout: %zu connection(s) still open, closed", m_connections.size());
                while (!m_connections.empty())
                    close(*m_connections.begin());
                break;
            }
            timeout = int(left.count()) + 1;
        }
        const int n = ::epoll_wait(m_epoll, events.data(), int(events.size()), timeout);
        if (n < 0 && errno != EINTR) {
            log("epoll_wait: %s", std::strerror(errno));
            return 1;
        }
        for (int i = 0; i < n; ++i) {
            void *const target = events[size_t(i)].data.ptr;
            if (target == nullptr) {
                signalfd_siginfo info{};
                while (::read(signalFd, &info, sizeof info) == sizeof info) {
                }
                if (stopping)
                    continue;
                // What the kernel already accepted may carry data: take it, then stop listening.
                for (Listener &listener : m_listeners) {
                    acceptAll(listener);
                    ::close(listener.fd);
                    listener.fd = -1;
                }
                stopping = true;
                drainDeadline =
                    Clock::now() + std::chrono::milliseconds(int64_t(drainTimeout * 1000));
            } else if (target >= firstListener && target < endListener) {
                auto *listener = static_cast<Listener *>(target);
                if (listener->fd >= 0)
                    acceptAll(*listener);
            } else {
                readFrom(static_cast<Connection *>(target));
            }
        }
    }
    for (Listener &listener : m_listeners) {
        if (listener.file >= 0 && ::close(listener.file) != 0) {
            log("port %u: close: %s", listener.port, std::strerror(errno));
            m_failed = true;
        }
    }
    return m_failed ? 1 : 0;
}

} // namespace

int main(int argc, char **argv)
{
    std::string bind = "127.0.0.1";
    std::string dir = "output";
    std::optional<std::vector<uint16_t>> ports;
    bool splitByConnection = false;
    double drainTimeout = 2;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (i + 1 >= argc)
            usageError("missing value after " + std::string(arg));
        const std::string value = argv[++i];
        if (arg == "--bind") {
            bind = value;
        } else if (arg == "--ports") {
            std::string error;
            ports = bench::parsePortList(value, &error);
            if (!ports)
                usageError("invalid --ports '" + value + "': " + error);
        } else if (arg == "--output") {
            dir = value;
        } else if (arg == "--split") {
            if (value != "port" && value != "connection")
                usageError("invalid --split '" + value + "': port or connection");
            splitByConnection = value == "connection";
        } else if (arg == "--drain-timeout") {
            char *end = nullptr;
            drainTimeout = std::strtod(value.c_str(), &end);
            if (end == value.c_str() || *end != '\0' || drainTimeout < 0)
                usageError("invalid --drain-timeout '" + value + "'");
        } else {
            usageError("unknown option '" + std::string(arg) + "'");
        }
    }
    if (!ports)
        usageError("--ports is required");
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
        log("cannot create %s: %s", dir.c_str(), std::strerror(errno));
        return 1;
    }
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
    Receiver receiver;
    return receiver.run(*ports, bind, dir, splitByConnection, drainTimeout);
}
