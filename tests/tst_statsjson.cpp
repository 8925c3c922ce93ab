#include "core/manifest/record.h"
#include "core/observe/statsjson.h"

#include <QJsonDocument>
#include <QTest>

using namespace Qt::Literals::StringLiterals;
using namespace capture;

// The stats JSON of the events file and /status: its names are an interface scripts read.
class TestStatsJson : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // The "stopped" event's fields, every one with a value of its own.
    void stopSummary()
    {
        StopSummary s;
        s.ports = {PortSummary{5000, 2, 3, 1, 400, 300}, PortSummary{5001, 0, 0, 0, 0, 0}};
        s.bytesReceived = 400;
        s.bytesWritten = 300;
        s.drainTimedOut = 4;
        s.manifestErrors = 5;
        s.leftUnreadForSpace = 6;
        s.bytesLeftUnread = 7000;
        s.filesLost = 8;
        s.aborted = true;
        s.uptimeMs = 9001;
        s.runNumber = 12;
        s.hooksPending = 3;
        const QByteArray json = QJsonDocument(stopSummaryJson(s)).toJson(QJsonDocument::Compact);
        QCOMPARE(json, R"({"aborted":true,"bytes_left_unread":7000,"bytes_received":400,)"
                       R"("bytes_written":300,"drain_timed_out":4,"files_lost":8,)"
                       R"("hooks_pending":3,)"
                       R"("left_unread_for_space":6,"manifest_errors":5,"ports":[)"
                       R"({"bytes_received":400,"bytes_written":300,"connections":3,)"
                       R"("connections_empty":1,"files":2,"port":5000},)"
                       R"({"bytes_received":0,"bytes_written":0,"connections":0,)"
                       R"("connections_empty":0,"files":0,"port":5001}],"run_number":12,)"
                       R"("uptime_ms":9001})"_ba);
    }

    // /status: a connection's and an open file's entries.
    void statusEntries()
    {
        const QDateTime opened = QDateTime::currentDateTime();
        ConnectionInfo c;
        c.id = 42;
        c.peerAddress = QHostAddress(u"192.0.2.7"_s);
        c.peerPort = 40112;
        c.localPort = 5000;
        c.opened = opened;
        c.bytesReceived = 1000;
        c.bytesWritten = 900;
        c.rate = 12.5;
        c.file = u"stream_5000.bin"_s;
        c.tlsSubject = u"CN=client"_s;
        const QJsonObject connection = connectionStatusJson(c);
        QCOMPARE(connection.keys(), QStringList({u"bytes_received"_s, u"bytes_written"_s, u"file"_s,
                                                 u"id"_s, u"opened"_s, u"peer"_s, u"port"_s,
                                                 u"rate"_s, u"tls_subject"_s, u"via"_s}));
        QCOMPARE(connection.value(u"id"_s).toInteger(), 42);
        QCOMPARE(connection.value(u"port"_s).toInteger(), 5000);
        QCOMPARE(connection.value(u"peer"_s).toString(), u"192.0.2.7:40112"_s);
        QCOMPARE(connection.value(u"opened"_s).toString(), manifestTime(opened));
        QCOMPARE(connection.value(u"bytes_received"_s).toInteger(), 1000);
        QCOMPARE(connection.value(u"bytes_written"_s).toInteger(), 900);
        QCOMPARE(connection.value(u"rate"_s).toDouble(), 12.5);
        QCOMPARE(connection.value(u"file"_s).toString(), u"stream_5000.bin"_s);
        QCOMPARE(connection.value(u"tls_subject"_s).toString(), u"CN=client"_s);
        QCOMPARE(connection.value(u"via"_s).toString(), QString()); // empty: not behind a balancer
        c.file.clear(); // no byte yet: an empty name, not null, in /status
        QCOMPARE(connectionStatusJson(c).value(u"file"_s), QJsonValue(QString()));

        FileInfo f;
        f.path = u"stream_5000.bin"_s;
        f.port = 5000;
        f.bytes = 900;
        f.opened = opened;
        QCOMPARE(QJsonDocument(openFileStatusJson(f)).toJson(QJsonDocument::Compact),
                 R"({"bytes":900,"file":"stream_5000.bin","opened":")" +
                     manifestTime(opened).toUtf8() + R"(","port":5000})");

        PortStats p;
        p.port = 5000;
        p.currentFile = u"stream_5000.bin"_s;
        QJsonObject port = portStatusJson(p);
        QCOMPARE(port.value(u"current_file"_s).toString(), u"stream_5000.bin"_s);
        QVERIFY(!port.contains(u"error"_s));
        port.remove(u"current_file"_s);
        QCOMPARE(port, portStatsJson(p));
        p.error = u"Address already in use"_s;
        QCOMPARE(portStatusJson(p).value(u"error"_s).toString(), u"Address already in use"_s);
    }
};

QTEST_GUILESS_MAIN(TestStatsJson)
#include "tst_statsjson.moc"
