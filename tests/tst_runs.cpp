// Runs and hand-off against the real binary: --name-template (both split modes, rotation,
// sub-directories, the clash rule, bad templates), --on-file-closed (arguments and environment,
// every closed file once in close order, failing, slow and hanging commands, --hook-jobs and
// --hook-queue), --done-dir (verify afterwards, another file system refused) and --run.

#include "engineharness.h"
#include "receiverprocess.h"
#include "testsupport.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <csignal>
#include <sys/stat.h>

using namespace Qt::Literals::StringLiterals;
using namespace TestSupport;

namespace {

/// A hook that records each call as one JSON line in `log`: its arguments, its CAPTURE_*
/// environment, when it started and ended (CLOCK_MONOTONIC, comparable between processes).
/// `mode`: "ok", "fail" (prints two lines, exits 3), "sleep:S" (sleeps S seconds, then ok),
/// "hang" (sleeps an hour, until SIGTERM ends it).
const char hookScript[] =
    "#!/usr/bin/env python3\n"
    "import json, os, sys, time\n"
    "log, mode = sys.argv[1], sys.argv[2]\n"
    "record = {\"args\": sys.argv[3:],\n"
    "          \"env\": {k: v for k, v in os.environ.items() if k.startswith(\"CAPTURE_\")},\n"
    "          \"start\": time.monotonic()}\n"
    "if mode == \"fail\":\n"
    "    print(\"first line of the hook's output\", flush=True)\n"
    "    print(\"boom: cannot hand this file on\", file=sys.stderr, flush=True)\n"
    "    sys.exit(3)\n"
    "if mode.startswith(\"sleep:\"):\n"
    "    time.sleep(float(mode[6:]))\n"
    "if mode == \"hang\":\n"
    "    time.sleep(3600)\n"
    "record[\"end\"] = time.monotonic()\n"
    "with open(log, \"a\") as f:\n"
    "    f.write(json.dumps(record) + \"\\n\")\n";

QString writeHook(const QTemporaryDir &tmp)
{
    const QString path = tmp.filePath(u"hook.py"_s);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(hookScript) < 0)
        return {};
    file.close();
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    return path;
}

QList<QJsonObject> jsonLines(const QString &path)
{
    QList<QJsonObject> lines;
    for (const QByteArray &line : readFile(path).split('\n')) {
        if (!line.trimmed().isEmpty())
            lines.append(QJsonDocument::fromJson(line).object());
    }
    return lines;
}

QList<QJsonObject> eventsOf(const QString &path, const QString &kind)
{
    QList<QJsonObject> found;
    for (const QJsonObject &o : jsonLines(path)) {
        if (o.value(u"event"_s).toString() == kind)
            found.append(o);
    }
    return found;
}

/// The files below `dir` (recursively), relative to it, sorted; the manifest aside.
QStringList filesBelow(const QString &dir)
{
    QStringList names;
    QDirIterator it(dir, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString name = QDir(dir).relativeFilePath(it.next());
        if (name != u"manifest.jsonl")
            names.append(name);
    }
    names.sort();
    return names;
}

QStringList receiverArgs(const QList<quint16> &ports, const QString &out)
{
    QStringList ports_;
    for (const quint16 p : ports)
        ports_.append(QString::number(p));
    return {u"--nogui"_s, u"-b"_s, u"127.0.0.1"_s,        u"-p"_s, ports_.join(u','),
            u"-o"_s,      out,     u"--stats-interval"_s, u"0"_s};
}

/// Sends `data` on one connection to `port` and waits until the receiver logged its close.
bool sendAndWait(Receiver &receiver, quint16 port, const QByteArray &data)
{
    if (sendAll(port, data))
        return false;
    return receiver.waitForLine(QRegularExpression(
        u"port %1: connection from 127\\.0\\.0\\.1:\\d+ closed \\(peer closed\\): %2 bytes"_s
            .arg(port)
            .arg(data.size())));
}

struct Usage
{
    int exitCode = -1;
    QString err;
};

Usage runExpectingUsageError(const QStringList &arguments)
{
    QProcess p;
    p.setProcessEnvironment(headlessEnvironment());
    p.start(receiverBinary(), arguments);
    Usage usage;
    if (!p.waitForStarted(startTimeoutMs) || !p.waitForFinished(exitTimeoutMs))
        return usage;
    usage.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    usage.err = QString::fromUtf8(p.readAllStandardError());
    return usage;
}

} // namespace

class TestRuns : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(QFileInfo(receiverBinary()).isExecutable(), qPrintable(receiverBinary()));
        QVERIFY2(!QStandardPaths::findExecutable(u"python3"_s).isEmpty(), "python3 is needed");
    }

    // Per port: CODA-style names in a run's directory, {seq} going on across rotations and
    // connections, the parts concatenating to what was sent.
    void templatePerPortWithRotation()
    {
        QTemporaryDir tmp;
        const QString out = tmp.filePath(u"out"_s);
        const QList<quint16> ports = freePorts(2);
        Receiver receiver(tmp.path(), receiverArgs(ports, out) +
                                          QStringList{u"--run"_s, u"42"_s, u"--name-template"_s,
                                                      u"{host}/run_{run:06}/p{port}.dat{seq:02}"_s,
                                                      u"--rotate-size"_s, u"64K"_s});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
        const QByteArray a1 = patternData(1, 150 * KiB); // 3 files: 64K, 64K, 22K
        const QByteArray a2 = patternData(2, 10 * KiB);  // appends to the third
        const QByteArray b = patternData(3, 64 * KiB);   // exactly one file
        QVERIFY2(sendAndWait(receiver, ports[0], a1), receiver.describe());
        QVERIFY2(sendAndWait(receiver, ports[0], a2), receiver.describe());
        QVERIFY2(sendAndWait(receiver, ports[1], b), receiver.describe());
        const QByteArray stop = receiver.stopProblem();
        QVERIFY2(stop.isEmpty(), stop.constData());

        const QString host = QSysInfo::machineHostName().section(u'.', 0, 0);
        const QString run = u"%1/run_000042/"_s.arg(host);
        const QStringList portA{run + u"p%1.dat01"_s.arg(ports[0]),
                                run + u"p%1.dat02"_s.arg(ports[0]),
                                run + u"p%1.dat03"_s.arg(ports[0])};
        if (host.contains(QRegularExpression(u"[^A-Za-z0-9_-]"_s)))
            QSKIP("this host's name has characters a file name spells differently");
        QStringList expected = portA + QStringList{run + u"p%1.dat01"_s.arg(ports[1])};
        expected.sort();
        QCOMPARE(filesBelow(out), expected);
        QCOMPARE(readFile(QDir(out).filePath(portA[0])) + readFile(QDir(out).filePath(portA[1])) +
                     readFile(QDir(out).filePath(portA[2])),
                 a1 + a2);
        QCOMPARE(readFile(QDir(out).filePath(run + u"p%1.dat01"_s.arg(ports[1]))), b);
        // The manifest names them as they are, with the run number.
        const QList<QJsonObject> lines = manifestRecords(out, u"file"_s);
        QCOMPARE(lines.size(), 4);
        for (const QJsonObject &line : lines) {
            QVERIFY2(expected.contains(line.value(u"file"_s).toString()),
                     qPrintable(line.value(u"file"_s).toString()));
            QCOMPARE(line.value(u"run_number"_s).toInt(), 42);
        }
        QProcess verify;
        verify.start(receiverBinary(), {u"verify"_s, out});
        QVERIFY(verify.waitForFinished(exitTimeoutMs));
        QVERIFY2(verify.exitCode() == 0, verify.readAllStandardOutput().constData());
    }

    // Per connection: {peer} and {peerport} name the connection, {seq} counts the port's
    // files over all its connections, rotation included.
    void templatePerConnection()
    {
        QTemporaryDir tmp;
        const QString out = tmp.filePath(u"out"_s);
        const QList<quint16> ports = freePorts(1);
        Receiver receiver(tmp.path(),
                          receiverArgs(ports, out) +
                              QStringList{u"--split"_s, u"connection"_s, u"--name-template"_s,
                                          u"{port}/{peer}_{peerport}_{seq}.bin"_s,
                                          u"--rotate-size"_s, u"64K"_s});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
        const QByteArray first = patternData(4, 100 * KiB); // 2 files
        const QByteArray second = patternData(5, 30 * KiB); // 1 file
        capture::Client a(ports[0]);
        QVERIFY(a.ok() && a.send(first));
        a.close();
        QVERIFY2(receiver.waitForLine(u"closed (peer closed): %1 bytes"_s.arg(first.size())),
                 receiver.describe());
        capture::Client b(ports[0]);
        QVERIFY(b.ok() && b.send(second));
        b.close();
        QVERIFY2(receiver.waitForLine(u"closed (peer closed): %1 bytes"_s.arg(second.size())),
                 receiver.describe());
        const QByteArray stop = receiver.stopProblem();
        QVERIFY2(stop.isEmpty(), stop.constData());

        const QList<QJsonObject> lines = manifestRecords(out, u"file"_s);
        QCOMPARE(lines.size(), 3);
        static const QRegularExpression shape(
            u"^%1/127\\.0\\.0\\.1_(\\d+)_(\\d)\\.bin$"_s.arg(ports[0]));
        QList<int> seqs;
        QList<QString> peerPorts;
        QByteArray all;
        for (const QJsonObject &line : lines) {
            const QString name = line.value(u"file"_s).toString();
            const auto m = shape.match(name);
            QVERIFY2(m.hasMatch(), qPrintable(name));
            peerPorts.append(m.captured(1));
            seqs.append(m.captured(2).toInt());
            all += readFile(QDir(out).filePath(name));
            const QString peer =
                line.value(u"connections"_s).toArray().first()[u"peer"_s].toString();
            QCOMPARE(peer, u"127.0.0.1:"_s + m.captured(1));
        }
        QCOMPARE(seqs, (QList<int>{1, 2, 3}));
        QCOMPARE(peerPorts[0], peerPorts[1]); // the first connection's two files
        QVERIFY(peerPorts[2] != peerPorts[0]);
        QCOMPARE(all, first + second);
    }

    // A template without the time or {seq}: the clash rule numbers the names (_2, _3), also
    // past a file an earlier run left.
    void clashRuleWithoutTimeOrSeq()
    {
        QTemporaryDir tmp;
        const QString out = tmp.filePath(u"out"_s);
        const QList<quint16> ports = freePorts(1);
        QVERIFY(QDir().mkpath(out + u"/r3"_s));
        QVERIFY(writeDataFile(out + u"/r3/data.bin"_s, "from an earlier run"));
        Receiver receiver(tmp.path(),
                          receiverArgs(ports, out) +
                              QStringList{u"--run"_s, u"3"_s, u"--name-template"_s,
                                          u"r{run}/data.bin"_s, u"--rotate-size"_s, u"64K"_s});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
        const QByteArray data = patternData(6, 150 * KiB);
        QVERIFY2(sendAndWait(receiver, ports[0], data), receiver.describe());
        const QByteArray stop = receiver.stopProblem();
        QVERIFY2(stop.isEmpty(), stop.constData());
        QStringList names;
        for (const QJsonObject &line : manifestRecords(out, u"file"_s))
            names.append(line.value(u"file"_s).toString());
        QCOMPARE(names, (QStringList{u"r3/data_2.bin"_s, u"r3/data_3.bin"_s, u"r3/data_4.bin"_s}));
        QCOMPARE(readFile(out + u"/r3/data.bin"_s), QByteArray("from an earlier run"));
        QCOMPARE(readFile(out + u"/r3/data_2.bin"_s) + readFile(out + u"/r3/data_3.bin"_s) +
                     readFile(out + u"/r3/data_4.bin"_s),
                 data);
    }

    void badTemplatesAreUsageErrors_data()
    {
        QTest::addColumn<QStringList>("extra");
        QTest::addColumn<QString>("named");
        QTest::newRow("unknown placeholder")
            << QStringList{u"--name-template"_s, u"{port}_{runnumber}.bin"_s} << u"{runnumber}"_s;
        QTest::newRow("bad width")
            << QStringList{u"--name-template"_s, u"{port}_{seq:3}.bin"_s} << u"{seq:3}"_s;
        QTest::newRow("width of a word")
            << QStringList{u"--name-template"_s, u"{port}_{host:03}.bin"_s} << u"{host:03}"_s;
        QTest::newRow("no {port}, two ports")
            << QStringList{u"-p"_s, u"5000,5001"_s, u"--name-template"_s, u"{ts}.bin"_s}
            << u"{port}"_s;
        QTest::newRow("{peerport} per port")
            << QStringList{u"--name-template"_s, u"{port}_{peerport}.bin"_s} << u"{peerport}"_s;
    }
    void badTemplatesAreUsageErrors()
    {
        QFETCH(QStringList, extra);
        QFETCH(QString, named);
        const Usage usage = runExpectingUsageError(QStringList{u"--nogui"_s} + extra);
        QCOMPARE(usage.exitCode, 2);
        QVERIFY2(usage.err.contains(named), qPrintable(usage.err));
        QVERIFY2(usage.err.trimmed().count(u'\n') == 0, qPrintable(usage.err));
    }

    // Every closed file's command runs exactly once, after its manifest line, with the path as
    // its last argument and the CAPTURE_* environment; per port in close order; those closed
    // at the stop too, before the process ends.
    void hookSeesEveryClosedFileOnce()
    {
        QTemporaryDir tmp;
        const QString out = tmp.filePath(u"out"_s);
        const QString log = tmp.filePath(u"hook.jsonl"_s);
        const QString events = tmp.filePath(u"events.jsonl"_s);
        const QString hook = writeHook(tmp);
        QVERIFY(!hook.isEmpty());
        const QList<quint16> ports = freePorts(2);
        Receiver receiver(tmp.path(), receiverArgs(ports, out) +
                                          QStringList{u"--run"_s, u"9"_s, u"--rotate-size"_s,
                                                      u"64K"_s, u"--hook-jobs"_s, u"1"_s,
                                                      u"--events"_s, events, u"--on-file-closed"_s,
                                                      u"'%1' '%2' ok 'one arg'"_s.arg(hook, log)});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
        QVERIFY2(sendAndWait(receiver, ports[0], patternData(7, 200 * KiB)), receiver.describe());
        QVERIFY2(sendAndWait(receiver, ports[1], patternData(8, 70 * KiB)), receiver.describe());
        // Still open now, closed by the stop: their commands run before the exit.
        capture::Client holder(ports[1]);
        QVERIFY(holder.ok() && holder.send(patternData(9, 5 * KiB)));
        QVERIFY2(receiver.waitForLine(u"closed (peer closed): %1 bytes"_s.arg(70 * KiB)),
                 receiver.describe());
        QVERIFY(receiver.sendSignal(SIGTERM));
        QVERIFY2(receiver.waitForExit(), receiver.describe());
        QVERIFY2(receiver.exitedNormally() && receiver.exitCode() == 0, receiver.describe());

        const QList<QJsonObject> files = manifestRecords(out, u"file"_s);
        const QList<QJsonObject> calls = jsonLines(log);
        QCOMPARE(calls.size(), files.size());
        // Port 0: 3 rotated and 1 closed at the stop; port 1: 1 rotated and 1 (with the held
        // connection's bytes) closed at the stop.
        QCOMPARE(files.size(), 6);
        QHash<QString, QJsonObject> byPath;
        for (const QJsonObject &call : calls) {
            const QJsonArray args = call.value(u"args"_s).toArray();
            QCOMPARE(args.size(), 2);
            QCOMPARE(args[0].toString(), u"one arg"_s);
            const QString path = args[1].toString();
            QVERIFY2(!byPath.contains(path), qPrintable(u"twice: "_s + path));
            byPath.insert(path, call.value(u"env"_s).toObject());
        }
        QHash<quint16, QStringList> manifestOrder;
        for (const QJsonObject &file : files) {
            const QString path = QDir(out).filePath(file.value(u"file"_s).toString());
            QVERIFY2(byPath.contains(path), qPrintable(u"no command for "_s + path));
            const QJsonObject env = byPath.value(path);
            QCOMPARE(env.value(u"CAPTURE_FILE"_s).toString(), path);
            QCOMPARE(env.value(u"CAPTURE_PORT"_s).toString(),
                     QString::number(file.value(u"port"_s).toInt()));
            QCOMPARE(env.value(u"CAPTURE_RUN"_s).toString(), u"9"_s);
            QCOMPARE(env.value(u"CAPTURE_BYTES"_s).toString(),
                     QString::number(file.value(u"bytes"_s).toInteger()));
            QCOMPARE(env.value(u"CAPTURE_DIGEST_ALGORITHM"_s).toString(), u"xxh128"_s);
            QCOMPARE(env.value(u"CAPTURE_DIGEST"_s).toString(), file.value(u"xxh128"_s).toString());
            QCOMPARE(env.value(u"CAPTURE_CLOSE_REASON"_s).toString(),
                     file.value(u"close_reason"_s).toString());
            manifestOrder[quint16(file.value(u"port"_s).toInt())].append(path);
        }
        // Per port, the commands ran in the order the files closed (one at a time here).
        QHash<quint16, QList<std::pair<double, QString>>> started;
        for (const QJsonObject &call : calls)
            started[quint16(call.value(u"env"_s)[u"CAPTURE_PORT"_s].toString().toInt())].append(
                {call.value(u"start"_s).toDouble(), call.value(u"args"_s)[1].toString()});
        for (auto it = started.begin(); it != started.end(); ++it) {
            std::sort(it->begin(), it->end());
            QStringList order;
            for (const auto &[when, path] : *it)
                order.append(path);
            QCOMPARE(order, manifestOrder.value(it.key()));
        }
        QCOMPARE(eventsOf(events, u"hook_finished"_s).size(), files.size());
        for (const QJsonObject &e : eventsOf(events, u"hook_finished"_s)) {
            QVERIFY(e.value(u"ok"_s).toBool());
            QCOMPARE(e.value(u"exit_code"_s).toInt(), 0);
            QCOMPARE(e.value(u"run_number"_s).toInt(), 9);
        }
        const QList<QJsonObject> stopped = eventsOf(events, u"stopped"_s);
        QCOMPARE(stopped.size(), 1);
        QCOMPARE(stopped[0].value(u"run_number"_s).toInt(), 9);
    }

    // A failing command is logged with its status and last output and counted; a hanging one
    // is stopped after --hook-timeout; neither stops or slows the capture, which records on
    // while they run.
    void failingAndHangingHooks()
    {
        QTemporaryDir tmp;
        const QString out = tmp.filePath(u"out"_s);
        const QString log = tmp.filePath(u"hook.jsonl"_s);
        const QString events = tmp.filePath(u"events.jsonl"_s);
        const QString hook = writeHook(tmp);
        const QList<quint16> ports = freePorts(2);
        {
            Receiver receiver(tmp.path(),
                              receiverArgs({ports[0]}, out) +
                                  QStringList{u"--events"_s, events, u"--on-file-closed"_s,
                                              u"%1 %2 fail"_s.arg(hook, log)});
            QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
            QVERIFY2(sendAndWait(receiver, ports[0], patternData(10, 10 * KiB)),
                     receiver.describe());
            // The port's file closes at the stop; the exit waits for its command.
            const QByteArray stop = receiver.stopProblem(); // a failed hook is no failed capture
            QVERIFY2(stop.isEmpty(), stop.constData());
            QVERIFY2(receiver.hasLine(u"warning --on-file-closed for %1/stream_"_s.arg(
                         QDir(out).absolutePath())),
                     receiver.describe());
            QVERIFY2(!receiver
                          .linesMatching(QRegularExpression(
                              u": exit status 3 after .*; its last output: first line of the "
                              "hook's output \\| boom: cannot hand this file on$"_s))
                          .isEmpty(),
                     receiver.describe());
            const QList<QJsonObject> finished = eventsOf(events, u"hook_finished"_s);
            QCOMPARE(finished.size(), 1);
            QCOMPARE(finished[0].value(u"ok"_s).toBool(), false);
            QCOMPARE(finished[0].value(u"exit_code"_s).toInt(), 3);
            QVERIFY(finished[0].value(u"output"_s).toString().contains(u"boom"_s));
            const QJsonObject totals = eventsOf(events, u"stats"_s).last()[u"total"_s].toObject();
            QCOMPARE(totals.value(u"hooks_failed"_s).toInt(), 1);
            QCOMPARE(totals.value(u"hooks_succeeded"_s).toInt(), 0);
        }
        {
            QFile::remove(events);
            Receiver receiver(
                tmp.path(), receiverArgs({ports[1]}, out) +
                                QStringList{u"--events"_s, events, u"--hook-timeout"_s, u"1s"_s,
                                            u"--on-file-closed"_s, u"%1 %2 hang"_s.arg(hook, log)});
            QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
            QVERIFY2(sendAndWait(receiver, ports[1], patternData(11, 10 * KiB)),
                     receiver.describe());
            QVERIFY(receiver.sendSignal(SIGUSR1)); // closes the file: the command hangs
            QVERIFY2(receiver.waitForLine(u"file closed (rotation (requested))"_s),
                     receiver.describe());
            // Recording goes on meanwhile.
            const QByteArray more = patternData(12, 300 * KiB);
            QVERIFY2(sendAndWait(receiver, ports[1], more), receiver.describe());
            QVERIFY2(receiver.waitForLine(QRegularExpression(
                         u"warning --on-file-closed for .*: still running after --hook-timeout 1 "
                         "s: stopped with SIGTERM"_s)),
                     receiver.describe());
            const QByteArray stop = receiver.stopProblem();
            QVERIFY2(stop.isEmpty(), stop.constData());
            const QList<QJsonObject> finished = eventsOf(events, u"hook_finished"_s);
            QCOMPARE(finished.size(), 2); // the rotated file's and the last one's, both hung
            for (const QJsonObject &e : finished)
                QVERIFY(e.value(u"timed_out"_s).toBool());
        }
    }

    // The exit waits for a slow command of the last file; --hook-jobs bounds how many run at
    // once.
    void slowHooksAndTheirConcurrency()
    {
        QTemporaryDir tmp;
        const QString out = tmp.filePath(u"out"_s);
        const QString log = tmp.filePath(u"hook.jsonl"_s);
        const QString hook = writeHook(tmp);
        const QList<quint16> ports = freePorts(1);
        Receiver receiver(tmp.path(),
                          receiverArgs(ports, out) +
                              QStringList{u"--rotate-size"_s, u"16K"_s, u"--hook-jobs"_s, u"2"_s,
                                          u"--on-file-closed"_s,
                                          u"%1 %2 sleep:0.6"_s.arg(hook, log)});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
        QVERIFY2(sendAndWait(receiver, ports[0], patternData(13, 16 * KiB * 6 + 100)),
                 receiver.describe());
        // Stop at once: 6 full files closed, the 7th closes at the stop; most commands are
        // still waiting or running, and the process ends only once all 7 have.
        QVERIFY(receiver.sendSignal(SIGTERM));
        QVERIFY2(receiver.waitForExit(), receiver.describe());
        QVERIFY2(receiver.exitedNormally() && receiver.exitCode() == 0, receiver.describe());
        QVERIFY2(receiver.hasLine(u"the exit waits for them"_s), receiver.describe());
        const QList<QJsonObject> calls = jsonLines(log);
        QCOMPARE(calls.size(), 7);
        // How many ran at once, at most: never more than 2, and 2 at some point.
        QList<std::pair<double, int>> edges;
        for (const QJsonObject &call : calls) {
            edges.append({call.value(u"start"_s).toDouble(), +1});
            edges.append({call.value(u"end"_s).toDouble(), -1});
        }
        std::sort(edges.begin(), edges.end());
        int running = 0;
        int most = 0;
        for (const auto &[when, step] : edges)
            most = std::max(most, running += step);
        QCOMPARE(most, 2);
    }

    // --hook-queue: beyond it, a file's command is not run, which is an error in the log and
    // counted as dropped; the capture goes on.
    void hookQueueIsBounded()
    {
        QTemporaryDir tmp;
        const QString out = tmp.filePath(u"out"_s);
        const QString log = tmp.filePath(u"hook.jsonl"_s);
        const QString events = tmp.filePath(u"events.jsonl"_s);
        const QString hook = writeHook(tmp);
        const QList<quint16> ports = freePorts(1);
        Receiver receiver(
            tmp.path(), receiverArgs(ports, out) +
                            QStringList{u"--rotate-size"_s, u"16K"_s, u"--hook-jobs"_s, u"1"_s,
                                        u"--hook-queue"_s, u"2"_s, u"--events"_s, events,
                                        u"--on-file-closed"_s, u"%1 %2 sleep:2"_s.arg(hook, log)});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
        // 6 files close at once: 1 command runs, 2 wait, 3 are dropped.
        QVERIFY2(sendAndWait(receiver, ports[0], patternData(14, 16 * KiB * 6)),
                 receiver.describe());
        QVERIFY2(
            receiver.waitForLine(u"commands are waiting already (--hook-queue); not run for"_s),
            receiver.describe());
        QVERIFY(receiver.sendSignal(SIGTERM));
        QVERIFY2(receiver.waitForExit(), receiver.describe());
        QVERIFY2(receiver.exitedNormally(), receiver.describe());
        QCOMPARE(int(receiver.linesMatching(QRegularExpression(u"not run for"_s)).size()), 3);
        QCOMPARE(jsonLines(log).size(), 3); // the running one and the two waiting
        const QJsonObject totals = eventsOf(events, u"stats"_s).last()[u"total"_s].toObject();
        QCOMPARE(totals.value(u"hooks_dropped"_s).toInt(), 3);
        QCOMPARE(eventsOf(events, u"hook_finished"_s).size(), 3);
    }

    // --done-dir: closed files move there, in their sub-directories, before their command runs;
    // verify finds them; the output keeps only what is still open.
    void doneDirHandsOnCompleteFiles()
    {
        QTemporaryDir tmp;
        const QString out = tmp.filePath(u"out"_s);
        const QString done = tmp.filePath(u"staging"_s);
        const QString log = tmp.filePath(u"hook.jsonl"_s);
        const QString hook = writeHook(tmp);
        const QList<quint16> ports = freePorts(1);
        Receiver receiver(tmp.path(),
                          receiverArgs(ports, out) +
                              QStringList{u"--name-template"_s, u"run{run}/{port}_{seq}.dat"_s,
                                          u"--rotate-size"_s, u"64K"_s, u"--done-dir"_s, done,
                                          u"--on-file-closed"_s, u"%1 %2 ok"_s.arg(hook, log)});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
        const QByteArray data = patternData(15, 150 * KiB);
        QVERIFY2(sendAndWait(receiver, ports[0], data), receiver.describe());
        // Two full files are handed on; the third is still being written.
        QTRY_COMPARE_WITH_TIMEOUT(filesBelow(done).size(), 2, lineTimeoutMs);
        QCOMPARE(filesBelow(out).size(), 1);
        const QByteArray stop = receiver.stopProblem();
        QVERIFY2(stop.isEmpty(), stop.constData());
        const QStringList handedOn = filesBelow(done);
        QCOMPARE(handedOn,
                 (QStringList{u"run0/%1_1.dat"_s.arg(ports[0]), u"run0/%1_2.dat"_s.arg(ports[0]),
                              u"run0/%1_3.dat"_s.arg(ports[0])}));
        QCOMPARE(filesBelow(out), QStringList());
        QVERIFY2(!QFileInfo::exists(out + u"/run0"_s), "an emptied run directory stays behind");
        QByteArray all;
        for (const QString &name : handedOn)
            all += readFile(QDir(done).filePath(name));
        QCOMPARE(all, data);
        for (const QJsonObject &line : manifestRecords(out, u"file"_s))
            QCOMPARE(line.value(u"done_dir"_s).toString(), QDir(done).absolutePath());
        // The command saw each file where it is now.
        for (const QJsonObject &call : jsonLines(log))
            QVERIFY2(call.value(u"args"_s)[0].toString().startsWith(QDir(done).absolutePath()),
                     qPrintable(call.value(u"args"_s)[0].toString()));
        QProcess verify;
        verify.start(receiverBinary(), {u"verify"_s, out});
        QVERIFY(verify.waitForFinished(exitTimeoutMs));
        const QByteArray report = verify.readAllStandardOutput();
        QVERIFY2(verify.exitCode() == 0, report.constData());
        QVERIFY2(report.contains("3 OK"), report.constData());
    }

    void doneDirOnAnotherFileSystemIsRefused()
    {
        QTemporaryDir tmp;
        struct stat a
        {};
        struct stat b
        {};
        if (::stat(QFile::encodeName(tmp.path()).constData(), &a) != 0 ||
            ::stat("/dev/shm", &b) != 0 || a.st_dev == b.st_dev)
            QSKIP("no second file system here (/dev/shm is on the one of the temporary "
                  "directory)");
        const Usage usage = runExpectingUsageError(
            {u"--nogui"_s, u"-o"_s, tmp.filePath(u"out"_s), u"--done-dir"_s, u"/dev/shm/done"_s});
        QCOMPARE(usage.exitCode, 2);
        QVERIFY2(usage.err.contains(u"invalid --done-dir '/dev/shm/done': it is not on the file "
                                    "system of --output"_s),
                 qPrintable(usage.err));
    }
};

QTEST_GUILESS_MAIN(TestRuns)
#include "tst_runs.moc"
