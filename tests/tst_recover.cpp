// Crash leftovers, end to end with the real binary: kill -9 mid-stream, then what `verify`
// says, the warning of the next run in the directory, `recover`, and `verify` again.
#include "receiverprocess.h"
#include "testsupport.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace ReceiverProcess;
using namespace Qt::Literals::StringLiterals;

namespace {

struct Run
{
    bool finished = false;
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    QString describe() const
    {
        return u"exit %1\n--- stdout:\n%2--- stderr:\n%3"_s.arg(exitCode).arg(
            QString::fromUtf8(out), QString::fromUtf8(err));
    }
    int count(const QByteArray &status) const
    {
        int n = 0;
        for (const QByteArray &line : out.split('\n'))
            n += line.startsWith(QByteArray(status + ' '));
        return n;
    }
};

Run runReceiver(const QStringList &arguments)
{
    QProcess process;
    process.setProcessEnvironment(headlessEnvironment());
    process.start(receiverBinary(), arguments);
    Run run;
    run.finished = process.waitForStarted(startTimeoutMs) &&
                   finishOrKill(process, clientTimeoutMs) &&
                   process.exitStatus() == QProcess::NormalExit;
    run.exitCode = process.exitCode();
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

QList<QJsonObject> manifestLines(const QString &dir)
{
    QList<QJsonObject> lines;
    for (const QByteArray &line : TestSupport::readFile(dir + u"/manifest.jsonl"_s).split('\n')) {
        if (!line.isEmpty())
            lines.append(QJsonDocument::fromJson(line).object());
    }
    return lines;
}

QHash<QString, QByteArray> contentsOf(const QString &dir)
{
    QHash<QString, QByteArray> contents;
    for (const QString &name : QDir(dir).entryList({u"stream_*"_s}, QDir::Files))
        contents.insert(name, TestSupport::readFile(QDir(dir).filePath(name)));
    return contents;
}

} // namespace

class TestRecover : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void killedReceiverLeftoversAreFoundAndAdopted();
    void recoverRefusesWhileAReceiverRecords();
    void recoverUsageErrors_data();
    void recoverUsageErrors();
};

void TestRecover::killedReceiverLeftoversAreFoundAndAdopted()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString out = tmp.filePath(u"out"_s);
    const quint16 port = TestSupport::freePort();
    const QStringList arguments{
        u"--nogui"_s, u"-b"_s, u"127.0.0.1"_s, u"-p"_s,         QString::number(port),
        u"-o"_s,      out,     u"--split"_s,   u"connection"_s, u"--stats-interval"_s,
        u"0"_s};
    QList<QByteArray> sent;
    {
        Receiver receiver(tmp.path(), arguments);
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
        // Three complete connections, closed and listed.
        for (int i = 0; i < 3; ++i) {
            const QByteArray data = TestSupport::patternData(70 + quint64(i), 40 * KiB + i);
            QCOMPARE(TestSupport::sendAll(port, data), std::nullopt);
            QVERIFY2(receiver.waitForLine(u"closed (peer closed): %1 bytes"_s.arg(data.size())),
                     receiver.describe());
            sent.append(data);
        }
        // Two connections in mid-stream when the receiver is killed.
        QList<QTcpSocket *> open;
        for (int i = 0; i < 2; ++i) {
            const QByteArray data = TestSupport::patternData(80 + quint64(i), 64 * KiB + i);
            auto *socket = new QTcpSocket(this);
            socket->connectToHost(QHostAddress::LocalHost, port);
            QVERIFY(socket->waitForConnected(clientTimeoutMs));
            socket->write(data);
            QVERIFY(socket->waitForBytesWritten(clientTimeoutMs));
            open.append(socket);
            sent.append(data);
        }
        // Until both files hold all that was sent: then kill -9.
        QTRY_VERIFY_WITH_TIMEOUT(contentsOf(out).size() == 5 &&
                                     contentsOf(out).values().contains(sent[3]) &&
                                     contentsOf(out).values().contains(sent[4]),
                                 lineTimeoutMs);
        QVERIFY(receiver.sendSignal(SIGKILL));
        QVERIFY(receiver.waitForExit());
        qDeleteAll(open);
    }
    const QHash<QString, QByteArray> before = contentsOf(out);
    QCOMPARE(before.size(), 5);

    // verify: 3 OK, the two open files UNLISTED, the run UNSTOPPED; exit 1.
    Run verify = runReceiver({u"verify"_s, out});
    QVERIFY2(verify.finished && verify.exitCode == 1, qPrintable(verify.describe()));
    QCOMPARE(verify.count("OK"), 3);
    QCOMPARE(verify.count("UNLISTED"), 2);
    QCOMPARE(verify.count("UNSTOPPED"), 1);
    QVERIFY2(verify.out.contains("5 file(s): 3 OK") && verify.out.contains("2 UNLISTED") &&
                 verify.out.contains("1 run(s) UNSTOPPED"),
             verify.out.constData());

    // The next run in the directory says so once, naming the files and the run.
    QStringList unlisted;
    for (const QByteArray &line : verify.out.split('\n')) {
        if (line.startsWith("UNLISTED "))
            unlisted.append(QString::fromUtf8(line.mid(9, line.indexOf(':') - 9)).trimmed());
    }
    QCOMPARE(unlisted.size(), 2);
    {
        Receiver receiver(tmp.path(), arguments);
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
        const QStringList warnings = receiver.linesMatching(
            QRegularExpression(u" warning output directory .* holds what a crash"_s));
        QCOMPARE(warnings.size(), 1);
        for (const QString &name : unlisted)
            QVERIFY2(warnings[0].contains(name), qPrintable(warnings[0]));
        QVERIFY2(warnings[0].contains(u"2 file(s) not in its manifest"_s) &&
                     warnings[0].contains(u"1 run(s) that never stopped"_s) &&
                     warnings[0].contains(u"capture-receiver recover"_s),
                 qPrintable(warnings[0]));
        QVERIFY2(receiver.stopWithSigterm(), receiver.describe());
    }
    verify = runReceiver({u"verify"_s, out});
    QVERIFY2(verify.finished && verify.exitCode == 1, qPrintable(verify.describe()));

    // recover adopts the two files and closes the run; verify then passes.
    const Run recover = runReceiver({u"recover"_s, out});
    QVERIFY2(recover.finished && recover.exitCode == 0, qPrintable(recover.describe()));
    QCOMPARE(recover.count("ADOPTED"), 2);
    QCOMPARE(recover.count("CLOSED"), 1);
    QVERIFY2(recover.out.contains("recover: 2 file(s) adopted, 1 run(s) closed"),
             recover.out.constData());
    verify = runReceiver({u"verify"_s, out});
    QVERIFY2(verify.finished && verify.exitCode == 0, qPrintable(verify.describe()));
    QCOMPARE(verify.count("OK"), 5);

    // Not a byte changed; each file holds what its connection sent.
    QCOMPARE(contentsOf(out), before);
    QCOMPARE(QSet<QByteArray>(before.cbegin(), before.cend()),
             QSet<QByteArray>(sent.cbegin(), sent.cend()));
    // The adopted files' lines: as found on disk, "recovered", port and split from the name.
    int recovered = 0;
    int recoveredStops = 0;
    for (const QJsonObject &o : manifestLines(out)) {
        if (o.value(u"close_reason"_s).toString() == u"recovered"_s) {
            ++recovered;
            const QString name = o.value(u"file"_s).toString();
            QVERIFY(unlisted.contains(name));
            QCOMPARE(o.value(u"bytes"_s).toInteger(), before.value(name).size());
            // With the --hash of the run that wrote them (xxh128, the default).
            QCOMPARE(o.value(u"xxh128"_s).toString().toLatin1(),
                     TestSupport::xxh128(before.value(name)));
            QCOMPARE(o.value(u"port"_s).toInt(), int(port));
            QCOMPARE(o.value(u"split"_s).toString(), u"connection"_s);
        }
        recoveredStops +=
            o.value(u"type"_s).toString() == u"run"_s && o.value(u"recovered"_s).toBool();
    }
    QCOMPARE(recovered, 2);
    QCOMPARE(recoveredStops, 1);

    // Nothing left to do: recover says so, and the next run starts without a warning.
    const Run again = runReceiver({u"recover"_s, out});
    QVERIFY2(again.finished && again.exitCode == 0 &&
                 again.out.contains("recover: 0 file(s) adopted, 0 run(s) closed"),
             qPrintable(again.describe()));
    Receiver receiver(tmp.path(), arguments);
    QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
    QVERIFY2(receiver.stopWithSigterm(), receiver.describe());
    QVERIFY2(!receiver.hasLine(u"holds what a crash"_s), receiver.describe());
}

// A receiver recording in the directory: its open files are no leftovers. verify says RUNNING
// and OPEN (not a failure), recover refuses (exit 1) and changes nothing.
void TestRecover::recoverRefusesWhileAReceiverRecords()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString out = tmp.filePath(u"out"_s);
    const quint16 port = TestSupport::freePort();
    Receiver receiver(tmp.path(),
                      {u"--nogui"_s, u"-b"_s, u"127.0.0.1"_s, u"-p"_s, QString::number(port),
                       u"-o"_s, out, u"--stats-interval"_s, u"0"_s});
    QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(socket.waitForConnected(clientTimeoutMs));
    socket.write("still going");
    QVERIFY(socket.waitForBytesWritten(clientTimeoutMs));
    QTRY_COMPARE_WITH_TIMEOUT(contentsOf(out).size(), 1, lineTimeoutMs);
    const QByteArray manifestBefore = TestSupport::readFile(out + u"/manifest.jsonl"_s);

    const Run verify = runReceiver({u"verify"_s, out});
    QVERIFY2(verify.finished && verify.exitCode == 0, qPrintable(verify.describe()));
    QCOMPARE(verify.count("RUNNING"), 1);
    QCOMPARE(verify.count("OPEN"), 1);
    const Run recover = runReceiver({u"recover"_s, out});
    QVERIFY2(recover.finished && recover.exitCode == 1 &&
                 recover.err.contains("a receiver is recording into") &&
                 recover.err.contains("stop it first"),
             qPrintable(recover.describe()));
    QCOMPARE(TestSupport::readFile(out + u"/manifest.jsonl"_s), manifestBefore);
    socket.disconnectFromHost();
    QVERIFY2(receiver.stopWithSigterm(), receiver.describe());
}

void TestRecover::recoverUsageErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("needle");
    QTest::newRow("no directory") << QStringList{} << u"usage: capture-receiver recover DIR"_s;
    QTest::newRow("two") << QStringList{u"a"_s, u"b"_s} << u"got 2 argument(s)"_s;
    QTest::newRow("an option") << QStringList{u"--force"_s} << u"--force"_s;
    QTest::newRow("not a directory")
        << QStringList{u"/nonexistent/dir"_s} << u"'/nonexistent/dir' is not a directory"_s;
}

void TestRecover::recoverUsageErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, needle);
    const Run run = runReceiver(QStringList{u"recover"_s} + arguments);
    QVERIFY2(run.finished && run.exitCode == 2, qPrintable(run.describe()));
    const QList<QByteArray> lines = run.err.trimmed().split('\n');
    QCOMPARE(lines.size(), 1);
    QVERIFY2(lines[0].contains(needle.toUtf8()), lines[0].constData());
    QVERIFY(run.out.isEmpty());
    const Run help = runReceiver({u"recover"_s, u"--help"_s});
    QVERIFY2(help.finished && help.exitCode == 0 && help.out.contains("recovered"),
             qPrintable(help.describe()));
}

QTEST_GUILESS_MAIN(TestRecover)
#include "tst_recover.moc"
