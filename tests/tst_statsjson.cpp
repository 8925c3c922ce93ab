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
        const QByteArray json = QJsonDocument(stopSummaryJson(s)).toJson(QJsonDocument::Compact);
        QCOMPARE(json, R"({"aborted":true,"bytes_left_unread":7000,"bytes_received":400,)"
                       R"("bytes_written":300,"drain_timed_out":4,"files_lost":8,)"
                       R"("left_unread_for_space":6,"manifest_errors":5,"ports":[)"
                       R"({"bytes_received":400,"bytes_written":300,"connections":3,)"
                       R"("connections_empty":1,"files":2,"port":5000},)"
                       R"({"bytes_received":0,"bytes_written":0,"connections":0,)"
                       R"("connections_empty":0,"files":0,"port":5001}],"uptime_ms":9001})"_ba);
    }
};

QTEST_GUILESS_MAIN(TestStatsJson)
#include "tst_statsjson.moc"
