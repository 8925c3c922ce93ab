#include "testsupport.h"

#include "core/manifest/manifest.h"
#include "core/util/syserror.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QProcess>
#include <QRandomGenerator>
#include <QTcpServer>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xxhash.h>

using namespace Qt::Literals::StringLiterals;

namespace TestSupport {

namespace {
bool portIsFree(quint16 port)
{
    QTcpServer v4;
    if (!v4.listen(QHostAddress::AnyIPv4, port))
        return false;
    QTcpServer v6;
    // ::1 may be missing in a container; only IPv4 must be free then.
    if (!v6.listen(QHostAddress::AnyIPv6, port) &&
        v6.serverError() == QAbstractSocket::AddressInUseError)
        return false;
    return true;
}
} // namespace

quint16 freePort()
{
    return freePortRange(1);
}

quint16 freePortRange(int count)
{
    for (int attempt = 0; attempt < 500; ++attempt) {
        const quint32 base = 20000 + QRandomGenerator::global()->bounded(30000u);
        bool ok = true;
        for (int i = 0; i < count && ok; ++i)
            ok = portIsFree(quint16(base + quint32(i)));
        if (ok)
            return quint16(base);
    }
    qFatal("no range of %d free ports found", count);
    return 0;
}

QList<quint16> freePorts(int count)
{
    QList<quint16> ports;
    while (ports.size() < count) {
        const quint16 port = freePort();
        if (!ports.contains(port))
            ports.append(port);
    }
    return ports;
}

QByteArray patternData(quint64 seed, qsizetype size)
{
    QByteArray data(size, Qt::Uninitialized);
    quint64 x = seed * 0x9E3779B97F4A7C15ull + 1;
    qsizetype i = 0;
    while (i < size) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        const quint64 v = x * 0x2545F4914F6CDD1Dull;
        for (int b = 0; b < 8 && i < size; ++b, ++i)
            data[i] = char((v >> (8 * b)) & 0xff);
    }
    return data;
}

QByteArray sha256(const QByteArray &data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
}

QByteArray xxh128(const QByteArray &data)
{
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, XXH3_128bits(data.constData(), size_t(data.size())));
    return QByteArray(reinterpret_cast<const char *>(canonical.digest), sizeof canonical.digest)
        .toHex();
}

QByteArray fileXxh128(const QString &path)
{
    return xxh128(readFile(path));
}

QList<QJsonObject> manifestRecords(const QString &dir, const QString &type)
{
    QList<QJsonObject> records;
    for (const QByteArray &line : readFile(dir + QStringLiteral("/manifest.jsonl")).split('\n')) {
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        if (o.value(QStringLiteral("type")).toString() == type)
            records.append(o);
    }
    return records;
}

bool writeTokenFile(const QString &path, const QByteArray &token)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(token + '\n') > 0 &&
           file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
}

QByteArray getByCurl(quint16 port, const QString &path)
{
    QProcess p;
    p.start(QStringLiteral("curl"),
            {QStringLiteral("-s"), QStringLiteral("--max-time"), QStringLiteral("20"),
             QStringLiteral("http://127.0.0.1:%1%2").arg(QString::number(port), path)});
    if (!p.waitForStarted(10000))
        return {};
    if (!p.waitForFinished(30000)) {
        p.kill();
        p.waitForFinished(5000);
        return {};
    }
    return p.readAllStandardOutput();
}

QJsonObject statusByCurl(quint16 port)
{
    return QJsonDocument::fromJson(getByCurl(port, QStringLiteral("/status"))).object();
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

QByteArray fileSha256(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&file);
    return hash.result().toHex();
}

namespace {
int connectTo(const char *host, quint16 port, QString *error)
{
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST;
    addrinfo *res = nullptr;
    const QByteArray service = QByteArray::number(port);
    if (::getaddrinfo(host, service.constData(), &hints, &res) != 0 || !res) {
        *error = u"cannot resolve %1"_s.arg(QString::fromLatin1(host));
        return -1;
    }
    const int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        ::freeaddrinfo(res);
        *error = u"socket: %1"_s.arg(capture::systemErrorString(errno));
        return -1;
    }
    const int rc = ::connect(fd, res->ai_addr, res->ai_addrlen);
    ::freeaddrinfo(res);
    if (rc != 0) {
        *error = u"connect to port %1: %2"_s.arg(port).arg(capture::systemErrorString(errno));
        ::close(fd);
        return -1;
    }
    return fd;
}

bool sendBytes(int fd, const char *p, qsizetype left, qsizetype chunk, quint16 port, QString *error)
{
    while (left > 0) {
        const ssize_t n = ::send(fd, p, size_t(qMin(left, chunk)), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            *error = u"send to port %1: %2"_s.arg(port).arg(capture::systemErrorString(errno));
            return false;
        }
        p += n;
        left -= n;
    }
    return true;
}
} // namespace

std::optional<QString> sendAll(quint16 port, const QByteArray &data, qsizetype chunk,
                               const char *host)
{
    QString error;
    const int fd = connectTo(host, port, &error);
    if (fd < 0)
        return error;
    const bool ok = sendBytes(fd, data.constData(), data.size(), chunk, port, &error);
    ::close(fd);
    return ok ? std::nullopt : std::optional<QString>(error);
}

std::optional<QString> sendRepeated(quint16 port, const QByteArray &data, int times)
{
    QString error;
    const int fd = connectTo("127.0.0.1", port, &error);
    if (fd < 0)
        return error;
    bool ok = true;
    for (int i = 0; i < times && ok; ++i)
        ok = sendBytes(fd, data.constData(), data.size(), data.size(), port, &error);
    ::close(fd);
    return ok ? std::nullopt : std::optional<QString>(error);
}

QByteArray writeListedFile(const QString &dir, const QString &name, const QByteArray &data)
{
    QFile file(QDir(dir).filePath(name));
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size())
        qWarning("cannot write %s", qPrintable(file.fileName()));
    return u"{\"type\":\"file\",\"file\":\"%1\",\"port\":5000,\"split\":\"port\","
           "\"bytes\":%2,\"sha256\":\"%3\",\"opened\":\"2026-11-21T14:03:07.123+01:00\","
           "\"closed\":\"2026-11-21T14:05:00.000+01:00\",\"close_reason\":\"peer closed\","
           "\"connections\":[]}\n"_s.arg(name)
               .arg(data.size())
               .arg(QString::fromLatin1(sha256(data)))
               .toUtf8();
}

bool writeManifest(const QString &dir, const QByteArray &lines)
{
    QFile manifest(QDir(dir).filePath(QString::fromUtf16(capture::manifestFileName)));
    return manifest.open(QIODevice::WriteOnly) && manifest.write(lines) == lines.size();
}

} // namespace TestSupport
