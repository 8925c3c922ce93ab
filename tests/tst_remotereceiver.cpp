// RemoteReceiver against real headless receivers on 127.0.0.1: what /status and /events show,
// the commands through the control API, a killed and restarted receiver, a wrong token, and
// HTTPS with a CA file. Every wait is bounded; nothing depends on how fast anything is.

#include "core/remote/remotereceiver.h"

#include "receiverprocess.h"
#include "testsupport.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace Qt::Literals::StringLiterals;
using namespace TestSupport;
using capture::RemoteReceiver;
using capture::RunState;

namespace {

constexpr int waitMs = 30000;

QByteArray newToken()
{
    return "t0ken-" + QByteArray::number(QRandomGenerator::global()->generate64(), 16);
}

/// The headless receiver's arguments: one capture port, the status port, and a token file.
QStringList receiverArguments(const QTemporaryDir &tmp, quint16 port, quint16 status,
                              const QString &tokenFile)
{
    QStringList args{u"--nogui"_s,           u"-b"_s, u"127.0.0.1"_s,         u"-p"_s,
                     QString::number(port),  u"-o"_s, tmp.filePath(u"out"_s), u"--status"_s,
                     QString::number(status)};
    if (!tokenFile.isEmpty())
        args += {u"--control-token-file"_s, tokenFile};
    return args;
}

quint64 portBytes(const RemoteReceiver &remote, quint16 port)
{
    for (const capture::PortStats &p : remote.lastSnapshot().ports) {
        if (p.port == port)
            return p.bytes;
    }
    return 0;
}

/// A stand-in for a receiver's status port, scripted by the test: GET /status answers
/// `status`; GET /events is kept open, and the test writes to it and drops it. Each request
/// to /events is recorded with its Last-Event-ID header (null without one).
class ScriptedServer : public QObject
{
public:
    ScriptedServer()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                socket->setParent(this);
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { serve(socket); });
                connect(socket, &QTcpSocket::disconnected, this,
                        [this, socket] { m_streams.removeAll(socket); });
            }
        });
    }
    bool listen() { return m_server.listen(QHostAddress::LocalHost); }
    QUrl url() const { return QUrl(u"http://127.0.0.1:%1"_s.arg(m_server.serverPort())); }

    QJsonObject status;
    QList<QByteArray> eventsRequests; ///< the Last-Event-ID of each, null without one

    /// Writes to every open event stream.
    void sendEvents(const QByteArray &text)
    {
        for (QTcpSocket *socket : std::as_const(m_streams))
            socket->write(text);
    }
    /// Closes every open event stream.
    void dropEvents()
    {
        for (QTcpSocket *socket : std::as_const(m_streams))
            socket->disconnectFromHost();
        m_streams.clear();
    }
    int openStreams() const { return int(m_streams.size()); }

private:
    void serve(QTcpSocket *socket)
    {
        QByteArray &head = m_heads[socket];
        head += socket->readAll();
        if (!head.contains("\r\n\r\n"))
            return;
        const QList<QByteArray> lines = head.left(head.indexOf("\r\n\r\n")).split('\n');
        head.clear();
        const QByteArray path = lines.first().split(' ').value(1);
        if (path == "/events") {
            QByteArray lastId;
            for (const QByteArray &line : lines) {
                if (line.toLower().startsWith("last-event-id:"))
                    lastId = line.mid(14).trimmed();
            }
            eventsRequests.append(lastId);
            socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                          "Cache-Control: no-store\r\n\r\n: scripted\n\n");
            m_streams.append(socket);
            return;
        }
        const QByteArray body = QJsonDocument(status).toJson(QJsonDocument::Compact);
        socket->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                      QByteArray::number(body.size()) + "\r\n\r\n" + body);
    }

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_heads;
    QList<QTcpSocket *> m_streams;
};

} // namespace

class TestRemoteReceiver : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        capture::registerCaptureMetaTypes();
        QVERIFY2(QFileInfo(receiverBinary()).isExecutable(), qPrintable(receiverBinary()));
        for (const QString &tool : {u"python3"_s, u"curl"_s, u"openssl"_s})
            QVERIFY2(!QStandardPaths::findExecutable(tool).isEmpty(),
                     qPrintable(tool + u" is needed by this test"_s));
    }

    // Attached to a running receiver: its ports, a port's bytes growing with each stream,
    // the connection and file events as signals; stop() through the API stops it.
    void watchAndStop()
    {
        QTemporaryDir tmp;
        const QList<quint16> ports = freePorts(2);
        const QByteArray token = newToken();
        const QString tokenFile = tmp.filePath(u"token"_s);
        QVERIFY(writeTokenFile(tokenFile, token));
        Receiver receiver(tmp.path(), receiverArguments(tmp, ports[0], ports[1], tokenFile));
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());

        RemoteReceiver remote(QUrl(u"http://127.0.0.1:%1"_s.arg(ports[1])), token);
        const capture::CaptureEvents *events = remote.events();
        QSignalSpy stats(events, &capture::CaptureEvents::statsUpdated);
        QSignalSpy opened(events, &capture::CaptureEvents::connectionOpened);
        QSignalSpy closed(events, &capture::CaptureEvents::connectionClosed);
        QSignalSpy fileOpened(events, &capture::CaptureEvents::fileOpened);
        QSignalSpy fileClosed(events, &capture::CaptureEvents::fileClosed);
        QSignalSpy stopped(events, &capture::CaptureEvents::stopped);
        QSignalSpy failed(&remote, &RemoteReceiver::commandFailed);
        QSignalSpy linkChanged(&remote, &RemoteReceiver::connectionStateChanged);
        QCOMPARE(remote.connectionState(), RemoteReceiver::ConnectionState::Connecting);
        remote.connectToReceiver();
        QTRY_COMPARE_WITH_TIMEOUT(remote.connectionState(),
                                  RemoteReceiver::ConnectionState::Connected, waitMs);
        QCOMPARE(linkChanged.count(), 1);
        QVERIFY(remote.lastContact().isValid());
        QCOMPARE(remote.state(), RunState::Running);
        QCOMPARE(remote.settings().ports, QList<quint16>{ports[0]});
        // The receiver's first snapshot comes 250 ms after its start.
        QTRY_COMPARE_WITH_TIMEOUT(remote.lastSnapshot().ports.size(), 1, waitMs);
        QCOMPARE(remote.lastSnapshot().ports.first().port, ports[0]);
        QVERIFY(stats.count() >= 1);
        QTRY_VERIFY_WITH_TIMEOUT(remote.canControl(), waitMs); // the token check passed
        QVERIFY(remote.controlUnavailableReason().isEmpty());

        // Two streams, one after the other: the port's bytes grow with each.
        qint64 sent = 0;
        for (int part = 1; part <= 2; ++part) {
            const QString file = tmp.filePath(u"part%1"_s.arg(part));
            const QByteArray data = patternData(quint64(part), MiB);
            QVERIFY(writeDataFile(file, data));
            HoldingClient client(tmp.path(), ports[0], file);
            QVERIFY2(client.waitUntilSent(), qPrintable(client.errorText()));
            sent += data.size();
            QTRY_COMPARE_WITH_TIMEOUT(portBytes(remote, ports[0]), quint64(sent), waitMs);
            QTRY_COMPARE_WITH_TIMEOUT(opened.count(), part, waitMs);
            QCOMPARE(remote.lastSnapshot().connections.size(), 1);
            QVERIFY(client.finish());
            QTRY_COMPARE_WITH_TIMEOUT(closed.count(), part, waitMs);
        }
        const auto first = opened.first().first().value<capture::ConnectionInfo>();
        QCOMPARE(first.localPort, ports[0]);
        QCOMPARE(first.peerAddress, QHostAddress(u"127.0.0.1"_s));
        QVERIFY(first.opened.isValid());
        const auto last = closed.last().first().value<capture::ConnectionInfo>();
        QCOMPARE(last.bytesReceived, quint64(MiB));
        QCOMPARE(last.closeReason, u"peer closed"_s);
        QTRY_COMPARE_WITH_TIMEOUT(fileOpened.count(), 1, waitMs); // split by port: one file
        QCOMPARE(fileOpened.first().first().value<capture::FileInfo>().port, ports[0]);

        remote.stop();
        QTRY_COMPARE_WITH_TIMEOUT(stopped.count(), 1, waitMs);
        QCOMPARE(remote.state(), RunState::Idle);
        const auto summary = stopped.first().first().value<capture::StopSummary>();
        QCOMPARE(summary.bytesReceived, quint64(sent));
        QCOMPARE(summary.bytesWritten, quint64(sent));
        QTRY_COMPARE_WITH_TIMEOUT(fileClosed.count(), 1, waitMs);
        const auto closedFile = fileClosed.first().first().value<capture::FileInfo>();
        QCOMPARE(closedFile.bytes, quint64(sent));
        QCOMPARE(closedFile.closeReason, u"stopped"_s);
        QCOMPARE(statusByCurl(ports[1]).value(u"state"_s).toString(), u"stopped"_s);
        QCOMPARE(failed.count(), 0);

        // A second stop: the receiver says 409, which comes out as a failed command.
        remote.stop();
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, waitMs);
        QCOMPARE(failed.first().at(0).toString(), u"stop"_s);
        QVERIFY2(failed.first().at(1).toString().startsWith(u"HTTP 409: "_s),
                 qPrintable(failed.first().at(1).toString()));
        const QByteArray stop = receiver.stopProblem();
        QVERIFY2(stop.isEmpty(), stop.constData());
    }

    // Against a scripted status port: a dropped event stream is followed again with
    // Last-Event-ID; a gap becomes a warning; event ids beginning anew, an uptime going back
    // and another instance are each noticed as a restart, and the new process's events are
    // asked for from the first (Last-Event-ID: 0). Without a token a command fails at once.
    void scriptedStream()
    {
        ScriptedServer server;
        QVERIFY(server.listen());
        server.status = {
            {u"state"_s, u"running"_s}, {u"uptime_s"_s, 10.0},
            {u"instance"_s, u"a"_s},    {u"run_number"_s, 7},
            {u"control"_s, false},      {u"settings"_s, QJsonObject{{u"ports"_s, u"5000-5001"_s}}}};
        RemoteReceiver remote(server.url(), {});
        QSignalSpy warnings(remote.events(), &capture::CaptureEvents::warningRaised);
        QSignalSpy runs(remote.events(), &capture::CaptureEvents::runChanged);
        QSignalSpy restarted(&remote, &RemoteReceiver::restarted);
        QSignalSpy failed(&remote, &RemoteReceiver::commandFailed);
        remote.connectToReceiver();
        QTRY_COMPARE_WITH_TIMEOUT(remote.connectionState(),
                                  RemoteReceiver::ConnectionState::Connected, waitMs);
        QCOMPARE(remote.settings().ports, (QList<quint16>{5000, 5001}));
        QCOMPARE(remote.runNumber(), 7);
        QVERIFY(!remote.canControl());
        QVERIFY2(remote.controlUnavailableReason().contains(u"no control token"_s),
                 qPrintable(remote.controlUnavailableReason()));
        remote.rotate();
        QCOMPARE(failed.count(), 1);
        QCOMPARE(failed.first().at(0).toString(), u"rotate"_s);
        QCOMPARE(warnings.count(), 1);
        warnings.clear();

        QTRY_COMPARE_WITH_TIMEOUT(server.openStreams(), 1, waitMs);
        QCOMPARE(server.eventsRequests, QList<QByteArray>{QByteArray()});
        server.sendEvents("id: 5\nevent: warning\ndata: {\"message\":\"hello\"}\n\n");
        QTRY_COMPARE_WITH_TIMEOUT(warnings.count(), 1, waitMs);
        QCOMPARE(warnings.takeFirst().first().toString(), u"hello"_s);

        server.dropEvents();
        QTRY_COMPARE_WITH_TIMEOUT(server.openStreams(), 1, waitMs);
        QCOMPARE(server.eventsRequests.last(), "5"_ba);
        server.sendEvents("event: gap\r\ndata: {\"lost\":3}\r\n\r\nid: 9\r\nevent: new_run\r\n"
                          "data: {\"run_number\":8,\"previous\":7}\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(runs.count(), 1, waitMs);
        QCOMPARE(runs.first(), (QList<QVariant>{qint64(8), qint64(7)}));
        QCOMPARE(remote.runNumber(), 8);
        QCOMPARE(warnings.count(), 1);
        QVERIFY2(warnings.takeFirst().first().toString().startsWith(
                     u"3 events were missed while disconnected"_s),
                 "the gap warning");
        QCOMPARE(remote.connectionState(), RemoteReceiver::ConnectionState::Connected);
        QCOMPARE(restarted.count(), 0);

        // Another process answers on the stream first: its ids begin anew.
        server.dropEvents();
        QTRY_COMPARE_WITH_TIMEOUT(server.openStreams(), 1, waitMs);
        QCOMPARE(server.eventsRequests.last(), "9"_ba);
        server.sendEvents("id: 2\nevent: warning\ndata: {\"message\":\"new process\"}\n\n");
        QTRY_COMPARE_WITH_TIMEOUT(restarted.count(), 1, waitMs);
        QTRY_COMPARE_WITH_TIMEOUT(server.eventsRequests.size(), 4, waitMs);
        QCOMPARE(server.eventsRequests.last(), "0"_ba);
        QTRY_COMPARE_WITH_TIMEOUT(server.openStreams(), 1, waitMs); // the old one closed
        server.dropEvents();
        QTRY_COMPARE_WITH_TIMEOUT(server.eventsRequests.size(), 5, waitMs);
        QCOMPARE(server.eventsRequests.last(), "0"_ba); // nothing came on the new stream yet
        QTRY_COMPARE_WITH_TIMEOUT(server.openStreams(), 1, waitMs);
        server.sendEvents("id: 1\nevent: warning\ndata: {\"message\":\"first\"}\n\n"
                          "id: 2\nevent: warning\ndata: {\"message\":\"new process\"}\n\n");
        QTRY_COMPARE_WITH_TIMEOUT(warnings.count(), 3, waitMs);
        QVERIFY2(
            warnings.at(0).first().toString().contains(u"restarted (its event ids began anew)"_s),
            qPrintable(warnings.at(0).first().toString()));
        QCOMPARE(warnings.at(1).first().toString(), u"first"_s);
        QCOMPARE(warnings.at(2).first().toString(), u"new process"_s);
        warnings.clear();

        // /status: the uptime goes back, then another instance.
        server.status.insert(u"uptime_s"_s, 1.0);
        QTRY_COMPARE_WITH_TIMEOUT(restarted.count(), 2, waitMs);
        QVERIFY2(warnings.first().first().toString().contains(u"its uptime went back"_s),
                 qPrintable(warnings.first().first().toString()));
        server.status.insert(u"instance"_s, u"b"_s);
        server.status.insert(u"uptime_s"_s, 5.0);
        QTRY_COMPARE_WITH_TIMEOUT(restarted.count(), 3, waitMs);
        QVERIFY2(warnings.last().first().toString().contains(u"another process answers"_s),
                 qPrintable(warnings.last().first().toString()));
        QCOMPARE(remote.connectionState(), RemoteReceiver::ConnectionState::Connected);
    }

    // A receiver killed with SIGKILL shows as lost; a new one on the same status port is
    // followed again, noticed as a restart, and its events come through.
    void killedAndRestarted()
    {
        QTemporaryDir tmp;
        const QList<quint16> ports = freePorts(2);
        const QStringList args = receiverArguments(tmp, ports[0], ports[1], {});
        auto first = std::make_unique<Receiver>(tmp.path(), args);
        QVERIFY2(first->startAndWaitUntilRecording(), first->describe());

        RemoteReceiver remote(QUrl(u"http://127.0.0.1:%1/"_s.arg(ports[1])), {});
        QSignalSpy restarted(&remote, &RemoteReceiver::restarted);
        QSignalSpy warnings(remote.events(), &capture::CaptureEvents::warningRaised);
        QSignalSpy opened(remote.events(), &capture::CaptureEvents::connectionOpened);
        remote.connectToReceiver();
        QTRY_COMPARE_WITH_TIMEOUT(remote.connectionState(),
                                  RemoteReceiver::ConnectionState::Connected, waitMs);
        QVERIFY(!remote.canControl());
        QVERIFY2(remote.controlUnavailableReason().contains(u"no control token"_s),
                 qPrintable(remote.controlUnavailableReason()));

        QVERIFY(first->sendSignal(SIGKILL));
        QVERIFY(first->waitForExit());
        QTRY_COMPARE_WITH_TIMEOUT(remote.connectionState(), RemoteReceiver::ConnectionState::Lost,
                                  waitMs);
        QTRY_VERIFY_WITH_TIMEOUT(!warnings.isEmpty(), waitMs);
        QVERIFY2(warnings.last().first().toString().startsWith(u"lost the connection to "_s),
                 qPrintable(warnings.last().first().toString()));
        first.reset();

        Receiver second(tmp.path(), args);
        QVERIFY2(second.startAndWaitUntilRecording(), second.describe());
        QTRY_COMPARE_WITH_TIMEOUT(remote.connectionState(),
                                  RemoteReceiver::ConnectionState::Connected, waitMs);
        QTRY_COMPARE_WITH_TIMEOUT(restarted.count(), 1, waitMs);
        // It may have been found again while it was still starting: Running follows.
        QTRY_COMPARE_WITH_TIMEOUT(remote.state(), RunState::Running, waitMs);
        QVERIFY(!sendAll(ports[0], patternData(7, 1000)));
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, waitMs); // the new process's events
        QTRY_COMPARE_WITH_TIMEOUT(portBytes(remote, ports[0]), quint64(1000), waitMs);
        QCOMPARE(restarted.count(), 1);
        const QByteArray stop = second.stopProblem();
        QVERIFY2(stop.isEmpty(), stop.constData());
    }

    // A wrong token: refused at once (the token check), the controls unavailable with the
    // reason, a command fails with the receiver's 401, and nothing happens to the capture.
    void wrongToken()
    {
        QTemporaryDir tmp;
        const QList<quint16> ports = freePorts(2);
        const QString tokenFile = tmp.filePath(u"token"_s);
        QVERIFY(writeTokenFile(tokenFile, newToken()));
        Receiver receiver(tmp.path(), receiverArguments(tmp, ports[0], ports[1], tokenFile));
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());

        RemoteReceiver remote(QUrl(u"http://127.0.0.1:%1"_s.arg(ports[1])),
                              "not-the-right-token-at-all");
        QSignalSpy failed(&remote, &RemoteReceiver::commandFailed);
        QSignalSpy availability(&remote, &RemoteReceiver::controlAvailabilityChanged);
        QSignalSpy warnings(remote.events(), &capture::CaptureEvents::warningRaised);
        remote.connectToReceiver();
        QTRY_VERIFY_WITH_TIMEOUT(!remote.canControl(), waitMs);
        QVERIFY(availability.count() >= 1);
        QCOMPARE(remote.controlUnavailableReason(), u"the receiver refused the token"_s);
        QVERIFY(!warnings.isEmpty());

        remote.stop();
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, waitMs);
        QCOMPARE(failed.first().at(0).toString(), u"stop"_s);
        QCOMPARE(failed.first().at(1).toString(), u"HTTP 401: wrong token"_s);
        QVERIFY(warnings.last().first().toString().contains(u"HTTP 401: wrong token"_s));
        QCOMPARE(statusByCurl(ports[1]).value(u"state"_s).toString(), u"running"_s);
        QCOMPARE(remote.state(), RunState::Running);
        const QByteArray stop = receiver.stopProblem();
        QVERIFY2(stop.isEmpty(), stop.constData());
    }

    // HTTPS: followed with the CA file; without it the certificate is refused.
    void https()
    {
        QTemporaryDir tmp;
        QProcess openssl;
        openssl.setWorkingDirectory(tmp.path());
        openssl.start(u"openssl"_s, {u"req"_s, u"-x509"_s, u"-newkey"_s, u"rsa:2048"_s, u"-nodes"_s,
                                     u"-keyout"_s, u"key.pem"_s, u"-out"_s, u"cert.pem"_s,
                                     u"-days"_s, u"2"_s, u"-subj"_s, u"/CN=capture-receiver-test"_s,
                                     u"-addext"_s, u"subjectAltName=IP:127.0.0.1"_s});
        QVERIFY(openssl.waitForStarted(10000) && finishOrKill(openssl, 60000));
        QCOMPARE(openssl.exitCode(), 0);
        const QList<quint16> ports = freePorts(2);
        const QByteArray token = newToken();
        const QString tokenFile = tmp.filePath(u"token"_s);
        QVERIFY(writeTokenFile(tokenFile, token));
        Receiver receiver(tmp.path(),
                          receiverArguments(tmp, ports[0], ports[1], tokenFile) +
                              QStringList{u"--status-tls-cert"_s, tmp.filePath(u"cert.pem"_s),
                                          u"--status-tls-key"_s, tmp.filePath(u"key.pem"_s)});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
        const QUrl url(u"https://127.0.0.1:%1"_s.arg(ports[1]));

        RemoteReceiver untrusted(url, token);
        QSignalSpy untrustedLink(&untrusted, &RemoteReceiver::connectionStateChanged);
        untrusted.connectToReceiver();
        QTRY_COMPARE_WITH_TIMEOUT(untrusted.connectionState(),
                                  RemoteReceiver::ConnectionState::Lost, waitMs);

        const QList<QSslCertificate> ca = QSslCertificate::fromPath(tmp.filePath(u"cert.pem"_s));
        QCOMPARE(ca.size(), 1);
        RemoteReceiver remote(url, token, ca);
        QSignalSpy opened(remote.events(), &capture::CaptureEvents::connectionOpened);
        QSignalSpy rotatedFile(remote.events(), &capture::CaptureEvents::fileClosed);
        remote.connectToReceiver();
        QTRY_COMPARE_WITH_TIMEOUT(remote.connectionState(),
                                  RemoteReceiver::ConnectionState::Connected, waitMs);
        QCOMPARE(remote.state(), RunState::Running);
        QTRY_COMPARE_WITH_TIMEOUT(remote.lastSnapshot().ports.size(), 1, waitMs);
        QTRY_VERIFY_WITH_TIMEOUT(remote.canControl(), waitMs);
        QVERIFY(!sendAll(ports[0], patternData(3, 5000)));
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, waitMs); // /events over TLS
        QTRY_COMPARE_WITH_TIMEOUT(portBytes(remote, ports[0]), quint64(5000), waitMs);
        remote.rotate(); // the control API over TLS
        QTRY_COMPARE_WITH_TIMEOUT(rotatedFile.count(), 1, waitMs);
        QCOMPARE(rotatedFile.first().first().value<capture::FileInfo>().closeReason,
                 u"rotation (requested)"_s);
        QCOMPARE(untrusted.connectionState(), RemoteReceiver::ConnectionState::Lost);
        QCOMPARE(untrustedLink.count(), 1);
        const QByteArray stop = receiver.stopProblem();
        QVERIFY2(stop.isEmpty(), stop.constData());
    }
};

QTEST_GUILESS_MAIN(TestRemoteReceiver)
#include "tst_remotereceiver.moc"
