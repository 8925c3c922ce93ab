// capture-load: opens many TCP connections, streams a reproducible pattern over each and reports
// how long the receiver took to take it all. Also checks a recorded file against the pattern.
// Plain POSIX + epoll + OpenSSL's libcrypto; no Qt.

#include "portlist.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <endian.h>
#include <fcntl.h>
#include <memory>
#include <mutex>
#include <netinet/in.h>
#include <optional>
#include <string>
#include <string_view>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t golden = 0x9E3779B97F4A7C15ULL;

uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// splitmix64 keyed by (seed, index). Word k of the stream (bytes 8k..8k+7, little-endian) is
// mix64(key + (k + 1) * golden), so any offset can be generated directly: a partial write resumes
// without keeping the unsent bytes around, and the verifier needs no state either.
class Pattern
{
public:
    Pattern(uint64_t seed, uint64_t index)
        : m_key(mix64(mix64(seed) ^ (index * golden + 0x632BE59BD9B4E019ULL)))
    {}

    void fill(uint64_t offset, unsigned char *out, size_t length) const
    {
        uint64_t state = m_key + (offset / 8 + 1) * golden;
        if (const size_t skip = offset % 8; skip != 0 && length > 0) {
            const uint64_t value = htole64(mix64(state));
            const size_t n = std::min(length, 8 - skip);
            std::memcpy(out, reinterpret_cast<const unsigned char *>(&value) + skip, n);
            out += n;
            length -= n;
            state += golden;
        }
        for (; length >= 8; length -= 8, out += 8, state += golden) {
            const uint64_t value = htole64(mix64(state));
            std::memcpy(out, &value, 8);
        }
        if (length > 0) {
            const uint64_t value = htole64(mix64(state));
            std::memcpy(out, &value, length);
        }
    }

private:
    uint64_t m_key;
};

[[noreturn]] void usageError(const std::string &message)
{
    std::fprintf(stderr, "capture-load: %s\n(see capture-load --help)\n", message.c_str());
    std::exit(2);
}

void printHelp()
{
    std::puts(
        "usage: capture-load --host ADDR --ports SPEC --connections N --bytes SIZE [options]\n"
        "       capture-load --verify-file PATH --seed S --index I --bytes SIZE\n"
        "\n"
        "Opens N connections (round-robin over the ports), sends exactly SIZE bytes of a\n"
        "pattern derived from (seed, connection index) over each, shuts down the write side\n"
        "and waits for the peer to close. Prints the total, the time from the first byte sent\n"
        "to the last connection's end (the peer's close), the rate, and each connection's\n"
        "SHA-256. Exit status 1 if any connection failed, 2 on a usage error.\n"
        "\n"
        "  --host ADDR          IPv4 or IPv6 address of the receiver\n"
        "  --ports SPEC         5000 | 5000-5009 | 5000,5002,6000-6010\n"
        "  --connections N      total connections, spread round-robin over the ports\n"
        "  --bytes SIZE         bytes per connection; suffixes K M G (powers of 1024)\n"
        "  --write-size SIZE    bytes per send() call (default 64K)\n"
        "  --rate SIZE[/s]      total send rate limit (default: unlimited)\n"
        "  --seed S             pattern seed (default 1)\n"
        "  --concurrency C      connections open at once (default: all)\n"
        "  --timeout SECONDS    per connection: connecting, a stalled send, or waiting for\n"
        "                       the peer's close may take at most this long (default 60)\n"
        "  --no-digest          skip the SHA-256 (when the files are checked with\n"
        "                       --verify-file instead; saves sender CPU)\n"
        "  --json FILE          also write the summary as JSON\n"
        "  --tls                speak TLS (1.2 or newer; blocking, a thread per connection,\n"
        "                       at most 256, no --rate); --tls-ca FILE verifies the\n"
        "                       receiver, --tls-cert FILE --tls-key FILE present a client\n"
        "                       certificate\n"
        "\n"
        "Verify mode compares PATH with the stream of connection I byte for byte and prints\n"
        "OK or MISMATCH at offset N (exit status 0 or 1).");
}

std::optional<uint64_t> parseNumber(std::string_view text)
{
    uint64_t value = 0;
    if (text.empty())
        return std::nullopt;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

std::optional<uint64_t> parseSize(std::string_view text)
{
    uint64_t multiplier = 1;
    if (!text.empty()) {
        switch (text.back()) {
        case 'K':
        case 'k':
            multiplier = 1ULL << 10;
            break;
        case 'M':
        case 'm':
            multiplier = 1ULL << 20;
            break;
        case 'G':
        case 'g':
            multiplier = 1ULL << 30;
            break;
        default:
            break;
        }
        if (multiplier != 1)
            text.remove_suffix(1);
    }
    const auto value = parseNumber(text);
    if (!value || *value > UINT64_MAX / multiplier)
        return std::nullopt;
    return *value * multiplier;
}

std::string hex(const unsigned char *data, size_t length)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string text;
    text.reserve(length * 2);
    for (size_t i = 0; i < length; ++i) {
        text += digits[data[i] >> 4];
        text += digits[data[i] & 15];
    }
    return text;
}

std::string jsonString(const std::string &text)
{
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", unsigned(c));
            out += escaped;
        } else {
            out += c;
        }
    }
    return out + '"';
}

double secondsBetween(Clock::time_point from, Clock::time_point to)
{
    return std::chrono::duration<double>(to - from).count();
}

// ---------------------------------------------------------------------------------------------
// Verify mode

int verifyFile(const std::string &path, uint64_t seed, uint64_t index, uint64_t bytes)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        std::printf("MISMATCH at offset 0: cannot open %s: %s\n", path.c_str(),
                    std::strerror(errno));
        return 1;
    }
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    const Pattern pattern(seed, index);
    constexpr size_t chunk = 1 << 20;
    std::vector<unsigned char> actual(chunk);
    std::vector<unsigned char> expected(chunk);
    uint64_t offset = 0;
    while (true) {
        const ssize_t n = ::read(fd, actual.data(), chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            std::printf("MISMATCH at offset %" PRIu64 ": read error: %s\n", offset,
                        std::strerror(errno));
            ::close(fd);
            return 1;
        }
        if (n == 0)
            break;
        const size_t comparable = size_t(std::min<uint64_t>(uint64_t(n), bytes - offset));
        pattern.fill(offset, expected.data(), comparable);
        if (std::memcmp(actual.data(), expected.data(), comparable) != 0) {
            size_t i = 0;
            while (actual[i] == expected[i])
                ++i;
            std::printf("MISMATCH at offset %" PRIu64 ": byte 0x%02x, expected 0x%02x\n",
                        offset + i, actual[i], expected[i]);
            ::close(fd);
            return 1;
        }
        offset += uint64_t(n);
        if (offset > bytes) {
            std::printf("MISMATCH at offset %" PRIu64 ": the file is longer than %" PRIu64
                        " bytes\n",
                        bytes, bytes);
            ::close(fd);
            return 1;
        }
    }
    ::close(fd);
    if (offset < bytes) {
        std::printf("MISMATCH at offset %" PRIu64 ": the file ends there, expected %" PRIu64
                    " bytes\n",
                    offset, bytes);
        return 1;
    }
    std::printf("OK %" PRIu64 " bytes\n", bytes);
    return 0;
}

// ---------------------------------------------------------------------------------------------
// Load mode

struct Options
{
    sockaddr_storage address{};
    socklen_t addressLength = 0;
    std::string host;
    std::string portSpec;
    std::vector<uint16_t> ports;
    uint64_t connections = 0;
    uint64_t bytes = 0;
    uint64_t writeSize = 64 * 1024;
    uint64_t rate = 0;
    uint64_t seed = 1;
    uint64_t concurrency = 0;
    double timeout = 60;
    bool digest = true;
    std::string jsonPath;
    bool tls = false;    // TLS client (blocking, one thread per connection)
    std::string tlsCa;   // verify the receiver's certificate against this CA file
    std::string tlsCert; // present this client certificate (with tlsKey)
    std::string tlsKey;
};

enum class State { Pending, Connecting, Sending, Closing, Done, Failed };

struct Connection
{
    uint32_t index = 0;
    uint16_t port = 0;
    uint16_t localPort = 0;
    int fd = -1;
    State state = State::Pending;
    bool queued = false;
    bool established = false;
    uint64_t sent = 0;
    Clock::time_point lastProgress;
    EVP_MD_CTX *digest = nullptr;
    unsigned char sha[32] = {};
    std::string error;
    std::optional<Clock::time_point> firstByteAt; // TLS mode: per connection, merged at the end
    Clock::time_point doneAt;
};

const char *stateVerb(State state)
{
    switch (state) {
    case State::Connecting:
        return "connecting";
    case State::Sending:
        return "sending";
    case State::Closing:
        return "waiting for the peer to close";
    default:
        return "idle";
    }
}

class Load
{
public:
    explicit Load(Options options)
        : m_options(std::move(options))
        , m_connections(m_options.connections)
        , m_scratch(m_options.writeSize)
    {
        for (uint32_t i = 0; i < m_connections.size(); ++i) {
            m_connections[i].index = i;
            m_connections[i].port = m_options.ports[i % m_options.ports.size()];
        }
    }

    int run();
    /// --tls: every connection in a thread of its own, with blocking OpenSSL calls.
    int runTls();

private:
    void tlsConnection(SSL_CTX *ctx, Connection &c);
    void startMore();
    void open(Connection &c);
    void handleEvent(Connection &c, uint32_t events);
    // False when the rate limit left no tokens: nothing was sent and the turn is not used.
    bool sendTurn(Connection &c);
    void finishSending(Connection &c);
    void awaitClose(Connection &c);
    void fail(Connection &c, const std::string &what);
    void complete(Connection &c);
    void release(Connection &c);
    void sweep();
    int rateDelayMs();
    int report();

    Options m_options;
    std::vector<Connection> m_connections;
    std::vector<unsigned char> m_scratch;
    // Which stream bytes m_scratch holds: [m_scratchOffset, m_scratchEnd) of m_scratchOwner.
    int64_t m_scratchOwner = -1;
    uint64_t m_scratchOffset = 0;
    uint64_t m_scratchEnd = 0;
    std::deque<uint32_t> m_ready;
    int m_epoll = -1;
    uint64_t m_next = 0;
    uint64_t m_open = 0;
    uint64_t m_finished = 0;
    uint64_t m_totalSent = 0;
    uint64_t m_established = 0;
    uint64_t m_peakEstablished = 0;
    double m_tokens = 0;
    Clock::time_point m_tokensAt;
    Clock::time_point m_started;
    std::optional<Clock::time_point> m_firstByte;
    Clock::time_point m_lastDone;
};

void Load::fail(Connection &c, const std::string &what)
{
    c.state = State::Failed;
    c.error = what;
    std::fprintf(stderr, "capture-load: connection %u (port %u): %s\n", c.index, c.port,
                 what.c_str());
    release(c);
}

void Load::complete(Connection &c)
{
    c.state = State::Done;
    release(c);
}

void Load::release(Connection &c)
{
    if (c.established)
        --m_established;
    m_lastDone = Clock::now();
    if (c.fd >= 0)
        ::close(c.fd); // also removes it from the epoll set
    c.fd = -1;
    if (c.digest) {
        EVP_MD_CTX_free(c.digest);
        c.digest = nullptr;
    }
    if (m_scratchOwner == int64_t(c.index))
        m_scratchOwner = -1;
    --m_open;
    ++m_finished;
}

void Load::open(Connection &c)
{
    ++m_open;
    c.lastProgress = Clock::now();
    c.fd = ::socket(m_options.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
        fail(c, std::string("socket: ") + std::strerror(errno));
        return;
    }
    if (m_options.digest) {
        c.digest = EVP_MD_CTX_new();
        if (!c.digest || EVP_DigestInit_ex(c.digest, EVP_sha256(), nullptr) != 1) {
            fail(c, "cannot initialise SHA-256");
            return;
        }
    }
    sockaddr_storage address = m_options.address;
    if (address.ss_family == AF_INET6)
        reinterpret_cast<sockaddr_in6 *>(&address)->sin6_port = htons(c.port);
    else
        reinterpret_cast<sockaddr_in *>(&address)->sin_port = htons(c.port);
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    event.data.u32 = c.index;
    if (::epoll_ctl(m_epoll, EPOLL_CTL_ADD, c.fd, &event) != 0) {
        fail(c, std::string("epoll_ctl: ") + std::strerror(errno));
        return;
    }
    c.state = State::Connecting;
    if (::connect(c.fd, reinterpret_cast<sockaddr *>(&address), m_options.addressLength) != 0 &&
        errno != EINPROGRESS)
        fail(c, std::string("connect: ") + std::strerror(errno));
    // Success (or EINPROGRESS) is reported by EPOLLOUT, which edge-triggering delivers once.
}

void Load::startMore()
{
    while (m_next < m_connections.size() && m_open < m_options.concurrency)
        open(m_connections[m_next++]);
}

void Load::handleEvent(Connection &c, uint32_t events)
{
    switch (c.state) {
    case State::Connecting: {
        int error = 0;
        socklen_t length = sizeof error;
        if (::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0)
            error = errno;
        if (error != 0) {
            fail(c, std::string("connect: ") + std::strerror(error));
            return;
        }
        if (!(events & EPOLLOUT))
            return;
        sockaddr_storage local{};
        socklen_t localLength = sizeof local;
        if (::getsockname(c.fd, reinterpret_cast<sockaddr *>(&local), &localLength) == 0)
            c.localPort = ntohs(local.ss_family == AF_INET6
                                    ? reinterpret_cast<sockaddr_in6 *>(&local)->sin6_port
                                    : reinterpret_cast<sockaddr_in *>(&local)->sin_port);
        c.state = State::Sending;
        c.lastProgress = Clock::now();
        c.established = true;
        m_peakEstablished = std::max(m_peakEstablished, ++m_established);
        if (m_options.bytes == 0) {
            finishSending(c);
            return;
        }
        c.queued = true;
        m_ready.push_back(c.index);
        return;
    }
    case State::Sending:
        if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && !c.queued) {
            c.queued = true; // the send itself reports an error
            m_ready.push_back(c.index);
        }
        return;
    case State::Closing:
        awaitClose(c);
        return;
    default:
        return;
    }
}

int Load::rateDelayMs()
{
    if (m_options.rate == 0)
        return 0;
    const auto now = Clock::now();
    const double burst = std::max(double(m_options.writeSize), double(m_options.rate) / 100);
    m_tokens = std::min(burst, m_tokens + secondsBetween(m_tokensAt, now) * double(m_options.rate));
    m_tokensAt = now;
    const double needed = std::min<double>(double(m_options.writeSize), burst);
    if (m_tokens >= needed)
        return 0;
    return std::max(1, int(std::ceil((needed - m_tokens) * 1000 / double(m_options.rate))));
}

bool Load::sendTurn(Connection &c)
{
    // Per turn, so thousands of connections progress together instead of one after another.
    uint64_t turnBudget = m_options.rate != 0 ? m_options.writeSize
                                              : std::max<uint64_t>(m_options.writeSize, 1 << 20);
    bool sentAny = false;
    while (c.sent < m_options.bytes && turnBudget > 0) {
        if (m_scratchOwner != int64_t(c.index) || c.sent < m_scratchOffset ||
            c.sent >= m_scratchEnd) {
            const uint64_t length = std::min(m_options.writeSize, m_options.bytes - c.sent);
            Pattern(m_options.seed, c.index).fill(c.sent, m_scratch.data(), size_t(length));
            m_scratchOwner = c.index;
            m_scratchOffset = c.sent;
            m_scratchEnd = c.sent + length;
        }
        size_t length = size_t(m_scratchEnd - c.sent);
        if (m_options.rate != 0) {
            if (rateDelayMs() != 0) {
                if (!sentAny)
                    return false; // keeps its place: it goes first when tokens come back
                break;
            }
            length = std::min(length, size_t(m_tokens));
        }
        const ssize_t n =
            ::send(c.fd, m_scratch.data() + (c.sent - m_scratchOffset), length, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                c.queued = false; // EPOLLOUT queues it again
                return true;
            }
            fail(c, "send after " + std::to_string(c.sent) + " bytes: " + std::strerror(errno));
            return true;
        }
        sentAny = true;
        if (!m_firstByte && n > 0)
            m_firstByte = Clock::now();
        if (c.digest)
            EVP_DigestUpdate(c.digest, m_scratch.data() + (c.sent - m_scratchOffset), size_t(n));
        c.sent += uint64_t(n);
        m_totalSent += uint64_t(n);
        if (m_options.rate != 0)
            m_tokens -= double(n);
        turnBudget -= std::min(turnBudget, uint64_t(n));
    }
    c.lastProgress = Clock::now();
    if (c.sent == m_options.bytes) {
        c.queued = false;
        finishSending(c);
        return true;
    }
    m_ready.push_back(c.index); // still queued: budget or rate used up, not the socket
    return true;
}

void Load::finishSending(Connection &c)
{
    if (c.digest) {
        unsigned int length = 0;
        EVP_DigestFinal_ex(c.digest, c.sha, &length);
        EVP_MD_CTX_free(c.digest);
        c.digest = nullptr;
    }
    if (::shutdown(c.fd, SHUT_WR) != 0) {
        fail(c, std::string("shutdown: ") + std::strerror(errno));
        return;
    }
    c.state = State::Closing;
    c.lastProgress = Clock::now();
    awaitClose(c); // the close may have been seen already while sending
}

void Load::awaitClose(Connection &c)
{
    char sink[4096];
    while (true) {
        const ssize_t n = ::recv(c.fd, sink, sizeof sink, 0);
        if (n == 0) {
            complete(c);
            return;
        }
        if (n > 0)
            continue; // receivers send nothing; whatever comes is discarded
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return;
        fail(c, std::string("after sending everything, waiting for the peer to close: ") +
                    std::strerror(errno));
        return;
    }
}

void Load::sweep()
{
    const auto now = Clock::now();
    for (Connection &c : m_connections) {
        if ((c.state == State::Connecting || c.state == State::Sending ||
             c.state == State::Closing) &&
            !c.queued && secondsBetween(c.lastProgress, now) > m_options.timeout) {
            char what[160];
            std::snprintf(what, sizeof what, "timed out after %.1f s %s (%" PRIu64 " bytes sent)",
                          m_options.timeout, stateVerb(c.state), c.sent);
            fail(c, what);
        }
    }
}

int Load::run()
{
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (m_epoll < 0) {
        std::fprintf(stderr, "capture-load: epoll_create1: %s\n", std::strerror(errno));
        return 1;
    }
    std::vector<epoll_event> events(1024);
    m_started = Clock::now();
    m_tokensAt = m_started;
    m_lastDone = m_started;
    auto lastSweep = m_started;
    while (true) {
        startMore();
        if (m_finished == m_connections.size())
            break;
        int timeout = 250;
        if (!m_ready.empty())
            timeout = rateDelayMs();
        const int n = ::epoll_wait(m_epoll, events.data(), int(events.size()), timeout);
        if (n < 0 && errno != EINTR) {
            std::fprintf(stderr, "capture-load: epoll_wait: %s\n", std::strerror(errno));
            return 1;
        }
        for (int i = 0; i < n; ++i) {
            Connection &c = m_connections[events[size_t(i)].data.u32];
            handleEvent(c, events[size_t(i)].events);
        }
        for (size_t turns = m_ready.size(); turns > 0 && !m_ready.empty(); --turns) {
            Connection &c = m_connections[m_ready.front()];
            m_ready.pop_front();
            if (c.state == State::Sending && !sendTurn(c)) {
                m_ready.push_front(c.index);
                break;
            }
        }
        const auto now = Clock::now();
        if (secondsBetween(lastSweep, now) >= 0.25) {
            sweep();
            lastSweep = now;
        }
    }
    ::close(m_epoll);
    return report();
}

std::string sslErrorText()
{
    const unsigned long code = ERR_get_error();
    char text[256] = "unknown TLS error";
    if (code != 0)
        ERR_error_string_n(code, text, sizeof text);
    ERR_clear_error();
    return text;
}

void Load::tlsConnection(SSL_CTX *ctx, Connection &c)
{
    c.state = State::Failed;
    const int fd = ::socket(m_options.address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        c.error = std::string("socket: ") + std::strerror(errno);
        return;
    }
    timeval timeout{};
    timeout.tv_sec = time_t(m_options.timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_storage address = m_options.address;
    if (address.ss_family == AF_INET6)
        reinterpret_cast<sockaddr_in6 *>(&address)->sin6_port = htons(c.port);
    else
        reinterpret_cast<sockaddr_in *>(&address)->sin_port = htons(c.port);
    SSL *ssl = nullptr;
    auto cleanup = [&] {
        if (ssl)
            SSL_free(ssl);
        ::close(fd);
    };
    if (::connect(fd, reinterpret_cast<sockaddr *>(&address), m_options.addressLength) != 0) {
        c.error = std::string("connect: ") + std::strerror(errno);
        cleanup();
        return;
    }
    sockaddr_storage local{};
    socklen_t localLength = sizeof local;
    if (::getsockname(fd, reinterpret_cast<sockaddr *>(&local), &localLength) == 0)
        c.localPort =
            ntohs(local.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6 *>(&local)->sin6_port
                                              : reinterpret_cast<sockaddr_in *>(&local)->sin_port);
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) != 1) {
        c.error = "TLS handshake: " + sslErrorText();
        cleanup();
        return;
    }
    EVP_MD_CTX *digest = m_options.digest ? EVP_MD_CTX_new() : nullptr;
    if (digest)
        EVP_DigestInit_ex(digest, EVP_sha256(), nullptr);
    std::vector<unsigned char> buffer(m_options.writeSize);
    const Pattern pattern(m_options.seed, c.index);
    while (c.sent < m_options.bytes) {
        const size_t length = size_t(std::min(m_options.writeSize, m_options.bytes - c.sent));
        pattern.fill(c.sent, buffer.data(), length);
        if (!c.firstByteAt)
            c.firstByteAt = Clock::now();
        if (SSL_write(ssl, buffer.data(), int(length)) != int(length)) {
            c.error = "TLS write after " + std::to_string(c.sent) + " bytes: " + sslErrorText();
            EVP_MD_CTX_free(digest);
            cleanup();
            return;
        }
        if (digest)
            EVP_DigestUpdate(digest, buffer.data(), length);
        c.sent += length;
    }
    if (digest) {
        unsigned int length = 0;
        EVP_DigestFinal_ex(digest, c.sha, &length);
        EVP_MD_CTX_free(digest);
    }
    SSL_shutdown(ssl); // close_notify: the stream ends here
    ::shutdown(fd, SHUT_WR);
    char sink[4096];
    while (SSL_read(ssl, sink, sizeof sink) > 0) {
    } // until the receiver closes
    c.doneAt = Clock::now();
    c.state = State::Done;
    cleanup();
}

int Load::runTls()
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_AUTO_RETRY);
    if (!m_options.tlsCa.empty()) {
        if (SSL_CTX_load_verify_locations(ctx, m_options.tlsCa.c_str(), nullptr) != 1) {
            std::fprintf(stderr, "capture-load: --tls-ca %s: %s\n", m_options.tlsCa.c_str(),
                         sslErrorText().c_str());
            return 2;
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    }
    if (!m_options.tlsCert.empty() &&
        (SSL_CTX_use_certificate_chain_file(ctx, m_options.tlsCert.c_str()) != 1 ||
         SSL_CTX_use_PrivateKey_file(ctx, m_options.tlsKey.c_str(), SSL_FILETYPE_PEM) != 1)) {
        std::fprintf(stderr, "capture-load: --tls-cert/--tls-key: %s\n", sslErrorText().c_str());
        return 2;
    }
    m_started = Clock::now();
    m_lastDone = m_started;
    std::vector<std::thread> threads;
    for (Connection &c : m_connections)
        threads.emplace_back([this, ctx, &c] { tlsConnection(ctx, c); });
    for (std::thread &t : threads)
        t.join();
    for (const Connection &c : m_connections) {
        m_totalSent += c.sent;
        if (c.firstByteAt && (!m_firstByte || *c.firstByteAt < *m_firstByte))
            m_firstByte = c.firstByteAt;
        if (c.state == State::Done)
            m_lastDone = std::max(m_lastDone, c.doneAt);
        else
            m_lastDone = Clock::now();
    }
    SSL_CTX_free(ctx);
    return report();
}

int Load::report()
{
    uint64_t ok = 0;
    for (const Connection &c : m_connections)
        ok += c.state == State::Done ? 1 : 0;
    const uint64_t failed = m_connections.size() - ok;
    const double seconds =
        m_firstByte ? std::max(0.0, secondsBetween(*m_firstByte, m_lastDone)) : 0.0;
    const double wall = secondsBetween(m_started, Clock::now());
    const double rate = seconds > 0 ? double(m_totalSent) / seconds : 0.0;

    std::printf("capture-load: %zu connection(s) to %s ports %s, %" PRIu64
                " bytes each, writes of %" PRIu64 " bytes, seed %" PRIu64 "\n",
                m_connections.size(), m_options.host.c_str(), m_options.portSpec.c_str(),
                m_options.bytes, m_options.writeSize, m_options.seed);
    std::printf("total bytes: %" PRIu64 "\n", m_totalSent);
    std::printf("seconds: %.6f (first byte sent to the last connection's end; %.3f s in all)\n",
                seconds, wall);
    std::printf("rate: %.2f MB/s (%.3f Gbit/s)\n", rate / 1e6, rate * 8 / 1e9);
    std::printf("connections: %" PRIu64 " ok, %" PRIu64 " failed, at most %" PRIu64
                " established at once\n",
                ok, failed, m_peakEstablished);
    for (const Connection &c : m_connections) {
        if (c.state == State::Done)
            std::printf("connection %u port %u local-port %u: ok %" PRIu64 " bytes%s%s\n", c.index,
                        c.port, c.localPort, c.sent, m_options.digest ? " sha256 " : "",
                        m_options.digest ? hex(c.sha, sizeof c.sha).c_str() : "");
        else
            std::printf("connection %u port %u local-port %u: FAILED after %" PRIu64 " bytes: %s\n",
                        c.index, c.port, c.localPort, c.sent, c.error.c_str());
    }

    if (!m_options.jsonPath.empty()) {
        FILE *out = std::fopen(m_options.jsonPath.c_str(), "w");
        if (!out) {
            std::fprintf(stderr, "capture-load: cannot write %s: %s\n", m_options.jsonPath.c_str(),
                         std::strerror(errno));
            return 1;
        }
        std::fprintf(out,
                     "{\n  \"host\": %s,\n  \"ports\": %s,\n  \"connections\": %zu,\n"
                     "  \"bytes_per_connection\": %" PRIu64 ",\n  \"write_size\": %" PRIu64
                     ",\n  \"rate_limit\": %" PRIu64 ",\n  \"seed\": %" PRIu64
                     ",\n  \"total_bytes\": %" PRIu64
                     ",\n  \"seconds\": %.6f,\n  \"wall_seconds\": %.6f,\n"
                     "  \"mb_per_s\": %.3f,\n  \"gbit_per_s\": %.4f,\n  \"ok\": %" PRIu64
                     ",\n  \"failed\": %" PRIu64 ",\n  \"peak_established\": %" PRIu64
                     ",\n  \"per_connection\": [",
                     jsonString(m_options.host).c_str(), jsonString(m_options.portSpec).c_str(),
                     m_connections.size(), m_options.bytes, m_options.writeSize, m_options.rate,
                     m_options.seed, m_totalSent, seconds, wall, rate / 1e6, rate * 8 / 1e9, ok,
                     failed, m_peakEstablished);
        for (const Connection &c : m_connections) {
            std::fprintf(out,
                         "%s\n    {\"index\": %u, \"port\": %u, \"local_port\": %u, \"bytes\": "
                         "%" PRIu64 ", \"ok\": %s, \"sha256\": %s, \"error\": %s}",
                         c.index == 0 ? "" : ",", c.index, c.port, c.localPort, c.sent,
                         c.state == State::Done ? "true" : "false",
                         c.state == State::Done && m_options.digest
                             ? jsonString(hex(c.sha, sizeof c.sha)).c_str()
                             : "null",
                         c.error.empty() ? "null" : jsonString(c.error).c_str());
        }
        std::fprintf(out, "\n  ]\n}\n");
        if (std::fclose(out) != 0) {
            std::fprintf(stderr, "capture-load: cannot write %s\n", m_options.jsonPath.c_str());
            return 1;
        }
    }
    return failed == 0 ? 0 : 1;
}

bool parseAddress(std::string host, Options *options)
{
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    auto *v4 = reinterpret_cast<sockaddr_in *>(&options->address);
    if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        options->addressLength = sizeof(sockaddr_in);
        return true;
    }
    options->address = {};
    auto *v6 = reinterpret_cast<sockaddr_in6 *>(&options->address);
    if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        options->addressLength = sizeof(sockaddr_in6);
        return true;
    }
    return false;
}

void raiseFileLimit()
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
}

} // namespace

int main(int argc, char **argv)
{
    Options options;
    std::optional<std::string> verifyPath;
    std::optional<uint64_t> index;
    bool haveBytes = false;
    bool haveConnections = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            printHelp();
            return 0;
        }
        if (arg == "--no-digest") {
            options.digest = false;
            continue;
        }
        if (arg == "--tls") {
            options.tls = true;
            continue;
        }
        if (i + 1 >= argc)
            usageError("missing value after " + std::string(arg));
        const std::string value = argv[++i];
        auto size = [&](uint64_t minimum) {
            const auto parsed = parseSize(value);
            if (!parsed || *parsed < minimum)
                usageError("invalid " + std::string(arg) + " '" + value + "'");
            return *parsed;
        };
        auto number = [&] {
            const auto parsed = parseNumber(value);
            if (!parsed)
                usageError("invalid " + std::string(arg) + " '" + value + "': not a number");
            return *parsed;
        };
        if (arg == "--host") {
            options.host = value;
            if (!parseAddress(value, &options))
                usageError("invalid --host '" + value + "': give an IPv4 or IPv6 address");
        } else if (arg == "--ports") {
            std::string error;
            const auto ports = bench::parsePortList(value, &error);
            if (!ports)
                usageError("invalid --ports '" + value + "': " + error);
            options.ports = *ports;
            options.portSpec = value;
        } else if (arg == "--connections") {
            options.connections = number();
            haveConnections = true;
        } else if (arg == "--bytes") {
            options.bytes = size(0);
            haveBytes = true;
        } else if (arg == "--write-size") {
            options.writeSize = size(1);
        } else if (arg == "--rate") {
            std::string text = value;
            if (text.ends_with("/s"))
                text.resize(text.size() - 2);
            const auto parsed = parseSize(text);
            if (!parsed || *parsed == 0)
                usageError("invalid --rate '" + value + "': give SIZE/s, e.g. 100M/s");
            options.rate = *parsed;
        } else if (arg == "--seed") {
            options.seed = number();
        } else if (arg == "--concurrency") {
            options.concurrency = number();
            if (options.concurrency == 0)
                usageError("--concurrency must be at least 1");
        } else if (arg == "--timeout") {
            char *end = nullptr;
            options.timeout = std::strtod(value.c_str(), &end);
            if (end == value.c_str() || *end != '\0' || !(options.timeout > 0))
                usageError("invalid --timeout '" + value + "'");
        } else if (arg == "--json") {
            options.jsonPath = value;
        } else if (arg == "--tls-ca") {
            options.tlsCa = value;
        } else if (arg == "--tls-cert") {
            options.tlsCert = value;
        } else if (arg == "--tls-key") {
            options.tlsKey = value;
        } else if (arg == "--verify-file") {
            verifyPath = value;
        } else if (arg == "--index") {
            index = number();
        } else {
            usageError("unknown option '" + std::string(arg) + "'");
        }
    }

    if (verifyPath) {
        if (!index || !haveBytes)
            usageError("--verify-file needs --index and --bytes (and the load's --seed)");
        return verifyFile(*verifyPath, options.seed, *index, options.bytes);
    }

    if (options.host.empty() || options.ports.empty() || !haveConnections || !haveBytes)
        usageError("--host, --ports, --connections and --bytes are required");
    if (options.connections == 0 || options.connections > UINT32_MAX)
        usageError("--connections must be 1 to 4294967295");
    if (options.concurrency == 0 || options.concurrency > options.connections)
        options.concurrency = options.connections;

    raiseFileLimit();
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur != RLIM_INFINITY && options.concurrency + 16 > limit.rlim_cur)
        usageError("--concurrency " + std::to_string(options.concurrency) +
                   " needs more descriptors than the limit of " + std::to_string(limit.rlim_cur) +
                   " (ulimit -Hn): lower --concurrency");

    if (options.tls) {
        if (options.rate != 0 || options.connections > 256)
            usageError("--tls takes no --rate and at most 256 connections (one thread each)");
        if (options.tlsCert.empty() != options.tlsKey.empty())
            usageError("--tls-cert and --tls-key go together");
        return Load(std::move(options)).runTls();
    }
    return Load(std::move(options)).run();
}
