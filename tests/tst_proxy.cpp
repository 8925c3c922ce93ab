// --proxy-protocol against the real binary, with the headers a load balancer sends (built in
// proxyheader.h): the client of a v1 or v2 header becomes the connection's peer in file names,
// the manifest (with the balancer as "via"), --allow and the log; LOCAL (health checks) and
// UNKNOWN keep the real endpoints; malformed, partial, late and untrusted connections are
// closed, counted and make no file; a header read a byte at a time; a header before TLS.
// HAProxy itself in front of two receivers: tst_haproxy (deploy_haproxy.py).

#include "proxyheader.h"
#include "receiverprocess.h"
#include "testsupport.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;
using namespace TestSupport;
using namespace ReceiverProcess;
namespace P = ProxyHeaderBuilder;

namespace {

/// A TCP connection from `source` (a 127.0.0.x address) to 127.0.0.1:port; -1 on failure.
int connectFrom(const char *source, quint16 port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &local.sin_addr);
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval timeout{20, 0}; // every read and write here is bounded
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (::bind(fd, reinterpret_cast<sockaddr *>(&local), sizeof local) != 0 ||
        ::connect(fd, reinterpret_cast<sockaddr *>(&remote), sizeof remote) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool sendBytes(int fd, const QByteArray &data)
{
    qsizetype done = 0;
    while (done < data.size()) {
        const ssize_t n = ::send(fd, data.constData() + done, size_t(data.size() - done), 0);
        if (n <= 0)
            return false;
        done += n;
    }
    return true;
}

/// Sends `header` and `payload` on one connection from `source`; with `byteByByte`, the
/// header goes a byte at a time, each in its own segment, with pauses the receiver reads in.
bool sendWithHeader(quint16 port, const QByteArray &header, const QByteArray &payload,
                    bool byteByByte = false, const char *source = "127.0.0.1")
{
    const int fd = connectFrom(source, port);
    if (fd < 0)
        return false;
    bool ok = true;
    if (byteByByte) {
        for (qsizetype i = 0; i < header.size() && ok; ++i) {
            ok = sendBytes(fd, header.mid(i, 1));
            QThread::msleep(5);
        }
    } else {
        ok = sendBytes(fd, header);
    }
    ok = ok && sendBytes(fd, payload);
    ::close(fd);
    return ok;
}

/// What HAProxy's health checks do: connect, send `header`, reset (SO_LINGER 0). The reset
/// may come before the receiver reads, taking the header with it.
bool resetAfter(quint16 port, const QByteArray &header)
{
    const int fd = connectFrom("127.0.0.1", port);
    if (fd < 0)
        return false;
    const bool ok = sendBytes(fd, header);
    const linger reset{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    ::close(fd);
    return ok;
}

/// Sends `bytes` and waits for the receiver to close the connection (EOF or reset); true if it
/// closed it within the read timeout.
bool closedByReceiver(quint16 port, const QByteArray &bytes, const char *source = "127.0.0.1")
{
    const int fd = connectFrom(source, port);
    if (fd < 0)
        return false;
    if (!bytes.isEmpty() && !sendBytes(fd, bytes)) {
        ::close(fd);
        return true; // reset while sending: closed
    }
    char c = 0;
    const ssize_t n = ::recv(fd, &c, 1, 0);
    ::close(fd);
    return n == 0 || (n < 0 && errno == ECONNRESET);
}

QStringList args(const QList<quint16> &ports, quint16 statusPort, const QStringList &extra)
{
    QStringList p;
    for (const quint16 port : ports)
        p.append(QString::number(port));
    return QStringList{u"--nogui"_s,
                       u"-b"_s,
                       u"127.0.0.1"_s,
                       u"-p"_s,
                       p.join(u','),
                       u"-o"_s,
                       u"out"_s,
                       u"--split"_s,
                       u"connection"_s,
                       u"--status"_s,
                       QString::number(statusPort),
                       u"--stats-interval"_s,
                       u"0"_s,
                       u"--proxy-protocol"_s} +
           extra;
}

/// The manifest's connections, by peer.
QHash<QString, QJsonObject> manifestConnections(const QString &dir, QHash<QString, QString> *files)
{
    QHash<QString, QJsonObject> out;
    for (const QJsonObject &file : manifestRecords(dir, u"file"_s)) {
        for (const QJsonValue &c : file.value(u"connections"_s).toArray()) {
            const QString peer = c.toObject().value(u"peer"_s).toString();
            out.insert(peer, c.toObject());
            if (files)
                files->insert(peer, file.value(u"file"_s).toString());
        }
    }
    return out;
}

quint64 portCounter(const QJsonObject &status, quint16 port, const QString &key)
{
    for (const QJsonValue &p : status.value(u"ports"_s).toArray()) {
        if (p.toObject().value(u"port"_s).toInt() == port)
            return quint64(p.toObject().value(key).toInteger());
    }
    return quint64(-1);
}

} // namespace

class TestProxy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void clientsFromHeaders();
    void healthChecksAndUnknown();
    void malformedClosedAndCounted_data();
    void malformedClosedAndCounted();
    void untrustedRefused();
    void allowSeesTheClient();
    void headerBeforeTls();
    void usageErrors_data();
    void usageErrors();
};

void TestProxy::clientsFromHeaders()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QList<quint16> ports = freePorts(3);
    const quint16 port = ports[0];
    Receiver receiver(tmp.path(),
                      args({ports[0], ports[1]}, ports[2], {u"--proxy-from"_s, u"127.0.0.0/29"_s}));
    QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe().constData());

    struct Client
    {
        QString peer;     // as the manifest names it
        QString fileName; // part of the file name
        QByteArray header;
        bool byteByByte;
        QString tlsSubject;
    };
    const QList<Client> clients{
        {u"192.0.2.7:40112"_s,
         u"192.0.2.7_40112"_s,
         P::v1(u"TCP4"_s, u"192.0.2.7"_s, u"127.0.0.1"_s, 40112, port),
         false,
         {}},
        {u"[2001:db8::5]:999"_s,
         u"2001-db8--5_999"_s,
         P::v1(u"TCP6"_s, u"2001:db8::5"_s, u"::1"_s, 999, port),
         true,
         {}},
        {u"198.51.100.9:1234"_s,
         u"198.51.100.9_1234"_s,
         P::v2(QHostAddress(u"198.51.100.9"_s), 1234, QHostAddress(u"127.0.0.1"_s), port,
               P::tlv(0x01, "h2") + P::tlv(0x05, "id-1")),
         false,
         {}},
        {u"[2001:db8::1]:4321"_s,
         u"2001-db8--1_4321"_s,
         P::v2(QHostAddress(u"2001:db8::1"_s), 4321, QHostAddress(u"::1"_s), port),
         true,
         {}},
        {u"203.0.113.6:81"_s, u"203.0.113.6_81"_s,
         P::v2(QHostAddress(u"203.0.113.6"_s), 81, QHostAddress(u"127.0.0.1"_s), port,
               P::sslTlv(0x03, 0, P::tlv(0x22, "sensor-17"))),
         false, u"CN=sensor-17"_s},
    };
    QHash<QString, QByteArray> sent;
    for (qsizetype i = 0; i < clients.size(); ++i) {
        const QByteArray payload = patternData(quint64(i + 1), 100000 + i);
        sent.insert(clients[i].peer, payload);
        // Sent from 127.0.0.2 for the v2 ones: a balancer anywhere in --proxy-from.
        QVERIFY(sendWithHeader(port, clients[i].header, payload, clients[i].byteByByte,
                               clients[i].header.startsWith("PROXY") ? "127.0.0.1" : "127.0.0.2"));
        QVERIFY2(receiver.waitForLine(u"connection from %1 via 127.0.0."_s.arg(clients[i].peer)),
                 receiver.describe().constData());
    }
    const QString line =
        u"port %1: connection from %2 via 127.0.0.1:"_s.arg(port).arg(clients[0].peer);
    QVERIFY2(receiver.waitForLine(QRegularExpression(escaped(line) + u"\\d+ closed"_s)),
             receiver.describe().constData());
    QVERIFY2(receiver.waitForLine(u"connection from 203.0.113.6:81 via 127.0.0.2:"_s),
             receiver.describe().constData());
    QTRY_COMPARE_WITH_TIMEOUT(statusByCurl(ports[2])[u"totals"_s][u"connections_total"_s].toInt(),
                              5, 20000);
    QCOMPARE(receiver.stopProblem(), QByteArray());

    QHash<QString, QString> files;
    const QHash<QString, QJsonObject> connections =
        manifestConnections(tmp.path() + u"/out"_s, &files);
    QCOMPARE(connections.size(), clients.size());
    for (const Client &client : clients) {
        QVERIFY2(connections.contains(client.peer), qPrintable(client.peer));
        const QJsonObject c = connections.value(client.peer);
        QVERIFY2(c.value(u"via"_s).toString().startsWith(
                     client.header.startsWith("PROXY") ? u"127.0.0.1:"_s : u"127.0.0.2:"_s),
                 qPrintable(c.value(u"via"_s).toString()));
        QCOMPARE(c.value(u"tls_subject"_s).toString(), client.tlsSubject);
        const QString file = files.value(client.peer);
        QVERIFY2(file.contains(client.fileName), qPrintable(file));
        QCOMPARE(readFile(tmp.path() + u"/out/"_s + file), sent.value(client.peer));
    }
}

void TestProxy::healthChecksAndUnknown()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QList<quint16> ports = freePorts(2);
    Receiver receiver(tmp.path(), args({ports[0]}, ports[1], {u"--proxy-from"_s, u"127.0.0.1"_s}));
    QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe().constData());
    // Health checks as HAProxy sends them with check-send-proxy: LOCAL, then close or reset,
    // between real streams (a reset once left a stale error behind that closed the next
    // stream's connection unread).
    QList<QByteArray> streams;
    for (int i = 0; i < 5; ++i) {
        QVERIFY(sendWithHeader(ports[0], P::v2Local(), {}));
        QVERIFY(resetAfter(ports[0], P::v2Local()));
        streams.append(patternData(quint64(100 + i), 20000 + i));
        QVERIFY(sendWithHeader(ports[0],
                               P::v1(u"TCP4"_s, u"192.0.2.%1"_s.arg(i + 1), u"127.0.0.1"_s,
                                     quint16(1000 + i), ports[0]),
                               streams.last()));
    }
    QVERIFY(sendWithHeader(ports[0], "PROXY UNKNOWN\r\n", "unknown source\n"));
    QVERIFY2(receiver.waitForLine(QRegularExpression(
                 u"connection from 127\\.0\\.0\\.1:\\d+ closed \\(peer closed\\): 15 bytes"_s)),
             receiver.describe().constData());
    QTRY_COMPARE_WITH_TIMEOUT(portCounter(statusByCurl(ports[1]), ports[0], u"connections_empty"_s),
                              quint64(10), 20000);
    QCOMPARE(portCounter(statusByCurl(ports[1]), ports[0], u"proxy_failed"_s), quint64(0));
    QCOMPARE(receiver.stopProblem(), QByteArray());
    QHash<QString, QString> files;
    const QHash<QString, QJsonObject> connections =
        manifestConnections(tmp.path() + u"/out"_s, &files);
    QCOMPARE(connections.size(), 6); // the health checks made none
    for (int i = 0; i < 5; ++i) {
        const QString peer = u"192.0.2.%1:%2"_s.arg(i + 1).arg(1000 + i);
        QVERIFY2(connections.contains(peer), qPrintable(peer));
        QCOMPARE(readFile(tmp.path() + u"/out/"_s + files.value(peer)), streams[i]);
    }
    const auto unknown = std::find_if(connections.begin(), connections.end(),
                                      [](const QJsonObject &c) { return !c.contains(u"via"_s); });
    QVERIFY(unknown != connections.end());
    QVERIFY(unknown.key().startsWith(u"127.0.0.1:"_s));
    QCOMPARE(readFile(tmp.path() + u"/out/"_s + files.value(unknown.key())),
             QByteArray("unknown source\n"));
}

void TestProxy::malformedClosedAndCounted_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("reason");
    QTest::newRow("no header") << QByteArray("hello\n") << u"no PROXY protocol header"_s;
    QTest::newRow("v1 bad address")
        << QByteArray("PROXY TCP4 1.2.3 127.0.0.1 1 2\r\ndata") << u"is not an IPv4 address"_s;
    QTest::newRow("v1 oversized") << "PROXY UNKNOWN " + QByteArray(120, 'x')
                                  << u"longer than 107 bytes"_s;
    QTest::newRow("v2 unknown version")
        << P::v2Raw(0x31, 0x11, QByteArray(12, '\0')) << u"unknown version 3"_s;
    QTest::newRow("v2 oversized") << P::v2Raw(0x21, 0x11, QByteArray(6000, '\0')).first(16)
                                  << u"more than the 4096 taken"_s;
    QTest::newRow("v2 TLV overrun")
        << P::v2Raw(0x21, 0x11, QByteArray(12, '\0') + QByteArray("\x04\x00\x09xyz", 6))
        << u"runs past the header"_s;
    // Partial: the peer stops sending half-way; the header timeout closes it.
    QTest::newRow("partial v1") << QByteArray("PROXY TCP4 192.0.2.1 127.0.")
                                << u"PROXY header not complete within 1 s"_s;
    QTest::newRow("partial v2") << P::v2Local().first(10)
                                << u"PROXY header not complete within 1 s"_s;
    QTest::newRow("nothing sent") << QByteArray() << u"no PROXY header within 1 s"_s;
}

void TestProxy::malformedClosedAndCounted()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, reason);
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QList<quint16> ports = freePorts(2);
    Receiver receiver(tmp.path(),
                      args({ports[0]}, ports[1],
                           {u"--proxy-from"_s, u"127.0.0.1"_s, u"--handshake-timeout"_s, u"1"_s}));
    QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe().constData());
    QVERIFY(closedByReceiver(ports[0], bytes));
    QVERIFY2(receiver.waitForLine(u"closed, no file made: "_s), receiver.describe().constData());
    QVERIFY2(receiver.hasLine(reason), receiver.describe().constData());
    QTRY_COMPARE_WITH_TIMEOUT(portCounter(statusByCurl(ports[1]), ports[0], u"proxy_failed"_s),
                              quint64(1), 20000);
    QCOMPARE(receiver.stopProblem(), QByteArray());
    QCOMPARE(manifestRecords(tmp.path() + u"/out"_s, u"file"_s).size(), 0);
}

void TestProxy::untrustedRefused()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QList<quint16> ports = freePorts(2);
    Receiver receiver(tmp.path(), args({ports[0]}, ports[1], {u"--proxy-from"_s, u"127.0.0.2"_s}));
    QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe().constData());
    const QByteArray header = P::v1(u"TCP4"_s, u"192.0.2.1"_s, u"127.0.0.1"_s, 1000, ports[0]);
    // A valid header, but from an address that is no balancer of ours: refused before reading.
    QVERIFY(closedByReceiver(ports[0], header + "forged", "127.0.0.1"));
    QVERIFY2(receiver.waitForLine(u"refused: not in --proxy-from"_s),
             receiver.describe().constData());
    QVERIFY(sendWithHeader(ports[0], header, "trusted", false, "127.0.0.2"));
    QVERIFY2(receiver.waitForLine(u"connection from 192.0.2.1:1000 via 127.0.0.2:"_s),
             receiver.describe().constData());
    QTRY_COMPARE_WITH_TIMEOUT(
        portCounter(statusByCurl(ports[1]), ports[0], u"refused_proxy_untrusted"_s), quint64(1),
        20000);
    QCOMPARE(receiver.stopProblem(), QByteArray());
    const QList<QJsonObject> fileRecords = manifestRecords(tmp.path() + u"/out"_s, u"file"_s);
    QCOMPARE(fileRecords.size(), 1);
    QCOMPARE(readFile(tmp.path() + u"/out/"_s + fileRecords[0][u"file"_s].toString()),
             QByteArray("trusted"));
}

void TestProxy::allowSeesTheClient()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QList<quint16> ports = freePorts(2);
    Receiver receiver(tmp.path(),
                      args({ports[0]}, ports[1],
                           {u"--proxy-from"_s, u"127.0.0.1"_s, u"--allow"_s, u"192.0.2.0/24"_s}));
    QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe().constData());
    // The balancer (127.0.0.1) is not in --allow; its clients are judged, its health checks
    // are not.
    QVERIFY(closedByReceiver(
        ports[0], P::v2(QHostAddress(u"198.51.100.1"_s), 7, QHostAddress(u"127.0.0.1"_s), 1)));
    QVERIFY2(receiver.waitForLine(u"connection from 198.51.100.1:7 via 127.0.0.1:"_s),
             receiver.describe().constData());
    QVERIFY(receiver.hasLine(u"refused: not in --allow"_s));
    QVERIFY(sendWithHeader(ports[0], P::v2Local(), {}));
    QVERIFY(sendWithHeader(ports[0],
                           P::v2(QHostAddress(u"192.0.2.9"_s), 9, QHostAddress(u"127.0.0.1"_s), 1),
                           "allowed"));
    QVERIFY2(receiver.waitForLine(u"connection from 192.0.2.9:9 via 127.0.0.1:"_s),
             receiver.describe().constData());
    QTRY_COMPARE_WITH_TIMEOUT(portCounter(statusByCurl(ports[1]), ports[0], u"connections_total"_s),
                              quint64(2), 20000);
    const QJsonObject status = statusByCurl(ports[1]);
    QCOMPARE(portCounter(status, ports[0], u"refused_not_allowed"_s), quint64(1));
    QCOMPARE(receiver.stopProblem(), QByteArray());
    const QList<QJsonObject> fileRecords = manifestRecords(tmp.path() + u"/out"_s, u"file"_s);
    QCOMPARE(fileRecords.size(), 1);
    QCOMPARE(readFile(tmp.path() + u"/out/"_s + fileRecords[0][u"file"_s].toString()),
             QByteArray("allowed"));
}

void TestProxy::headerBeforeTls()
{
    if (QStandardPaths::findExecutable(u"openssl"_s).isEmpty())
        QSKIP("openssl is needed to make the certificate (installer/install-deps.sh --test)");
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    QProcess openssl;
    openssl.setWorkingDirectory(tmp.path());
    openssl.start(u"openssl"_s, {u"req"_s, u"-x509"_s, u"-newkey"_s, u"rsa:2048"_s, u"-nodes"_s,
                                 u"-keyout"_s, u"key.pem"_s, u"-out"_s, u"cert.pem"_s, u"-days"_s,
                                 u"2"_s, u"-subj"_s, u"/CN=localhost"_s});
    QVERIFY(openssl.waitForFinished(60000) && openssl.exitCode() == 0);
    const QList<quint16> ports = freePorts(2);
    Receiver receiver(tmp.path(), args({ports[0]}, ports[1],
                                       {u"--proxy-from"_s, u"127.0.0.1"_s, u"--tls-cert"_s,
                                        u"cert.pem"_s, u"--tls-key"_s, u"key.pem"_s}));
    QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe().constData());

    // TLS passed through the balancer: the header in clear, then the client's handshake.
    QSslSocket socket;
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setPeerVerifyMode(QSslSocket::VerifyNone);
    socket.setSslConfiguration(config);
    socket.connectToHost(u"127.0.0.1"_s, ports[0]);
    QVERIFY(socket.waitForConnected(20000));
    const QByteArray header =
        P::v2(QHostAddress(u"192.0.2.44"_s), 4444, QHostAddress(u"127.0.0.1"_s), ports[0]);
    QCOMPARE(socket.write(header), header.size());
    QVERIFY(socket.waitForBytesWritten(20000));
    socket.startClientEncryption();
    QVERIFY2(socket.waitForEncrypted(20000), qPrintable(socket.errorString()));
    const QByteArray payload = patternData(44, 300000);
    QCOMPARE(socket.write(payload), payload.size());
    while (socket.encryptedBytesToWrite() > 0 || socket.bytesToWrite() > 0)
        QVERIFY(socket.waitForBytesWritten(20000));
    socket.disconnectFromHost();
    if (socket.state() != QAbstractSocket::UnconnectedState)
        socket.waitForDisconnected(20000);
    QVERIFY2(receiver.waitForLine(QRegularExpression(
                 u"connection from 192\\.0\\.2\\.44:4444 via 127\\.0\\.0\\.1:\\d+ closed"_s)),
             receiver.describe().constData());
    QCOMPARE(receiver.stopProblem(), QByteArray());
    QHash<QString, QString> files;
    const QHash<QString, QJsonObject> connections =
        manifestConnections(tmp.path() + u"/out"_s, &files);
    QVERIFY(connections.contains(u"192.0.2.44:4444"_s));
    QCOMPARE(readFile(tmp.path() + u"/out/"_s + files.value(u"192.0.2.44:4444"_s)), payload);
}

void TestProxy::usageErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    QTest::newRow("no --proxy-from")
        << QStringList{u"--proxy-protocol"_s} << u"--proxy-protocol needs --proxy-from"_s;
    QTest::newRow("no --proxy-protocol") << QStringList{u"--proxy-from"_s, u"10.0.0.1"_s}
                                         << u"--proxy-from needs --proxy-protocol"_s;
    QTest::newRow("bad network") << QStringList{u"--proxy-protocol"_s, u"--proxy-from"_s,
                                                u"10.0.0.0/33"_s}
                                 << u"invalid --proxy-from '10.0.0.0/33'"_s;
}

void TestProxy::usageErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    QProcess p;
    p.setProcessEnvironment(headlessEnvironment());
    p.start(receiverBinary(), QStringList{u"--nogui"_s} + arguments);
    QVERIFY(p.waitForFinished(exitTimeoutMs));
    QCOMPARE(p.exitCode(), 2);
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QVERIFY2(err.contains(message), qPrintable(err));
    QCOMPARE(err.trimmed().count(u'\n'), 0); // one line
}

QTEST_GUILESS_MAIN(TestProxy)
#include "tst_proxy.moc"
