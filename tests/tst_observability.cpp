// End-to-end tests of what the real capture-receiver binary tells the world about a capture:
// the --events JSON lines, the --status HTTP service (/status, /metrics, /healthz), the
// manifest and the `verify` subcommand, and file rotation. Real clients only (socat, python3,
// curl) over 127.0.0.1, on ports found free at run time.
//
// Every wait is bounded; a process still running when a test ends is killed and reaped.
// No check depends on how fast anything runs: the machine is shared and noisy.

#include "receiverprocess.h"
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/types.h>

using namespace Qt::Literals::StringLiterals;

namespace {

/// An event's or a manifest's time: ISO-8601 with milliseconds and the offset.
const QRegularExpression &isoTimePattern()
{
    static const QRegularExpression re(
        uR"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$)"_s);
    return re;
}

bool isIsoTime(const QJsonValue &value)
{
    return value.isString() && isoTimePattern().match(value.toString()).hasMatch();
}

QByteArray compactJson(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

/// JSON lines: every line must be a complete (newline-terminated) JSON object.
struct JsonLines
{
    QList<QJsonObject> objects;
    QStringList errors;
};

JsonLines parseJsonLines(const QByteArray &text)
{
    JsonLines out;
    if (!text.isEmpty() && !text.endsWith('\n'))
        out.errors.append(u"the last line has no newline: "_s + QString::fromUtf8(text.right(200)));
    const QList<QByteArray> lines = text.split('\n');
    for (qsizetype i = 0; i + 1 < lines.size(); ++i) {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(lines[i], &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject()) {
            out.errors.append(u"line %1 is not a JSON object (%2): %3"_s.arg(i + 1).arg(
                error.errorString(), QString::fromUtf8(lines[i])));
            continue;
        }
        out.objects.append(doc.object());
    }
    return out;
}

/// Events of one kind, in order.
QList<QJsonObject> eventsOf(const QList<QJsonObject> &events, const QString &kind)
{
    QList<QJsonObject> out;
    for (const QJsonObject &e : events) {
        if (e.value(u"event"_s).toString() == kind)
            out.append(e);
    }
    return out;
}

/// The problems of the event lines in `text`: not JSON objects, without "event" or with a
/// "time" that is not ISO-8601 with milliseconds.
QStringList eventLineProblems(const QByteArray &text, QList<QJsonObject> *events)
{
    const JsonLines parsed = parseJsonLines(text);
    QStringList problems = parsed.errors;
    for (const QJsonObject &e : parsed.objects) {
        if (!e.value(u"event"_s).isString() || e.value(u"event"_s).toString().isEmpty())
            problems.append(u"no \"event\": "_s + QString::fromUtf8(compactJson(e)));
        if (!isIsoTime(e.value(u"time"_s)))
            problems.append(u"\"time\" is not ISO-8601 with ms: "_s +
                            QString::fromUtf8(compactJson(e)));
    }
    *events = parsed.objects;
    return problems;
}

QString kindsText(const QList<QJsonObject> &events)
{
    QStringList kinds;
    for (const QJsonObject &e : events)
        kinds.append(e.value(u"event"_s).toString());
    return kinds.join(u", "_s);
}

/// A finished short-lived process.
struct Run
{
    bool finished = false; ///< started and ended by itself, normally
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    QString error; ///< why it did not run to its end

    QString describe(const QString &what) const
    {
        return u"%1: %2 exit %3\n--- stdout:\n%4--- stderr:\n%5--- end"_s.arg(what, error)
            .arg(exitCode)
            .arg(QString::fromUtf8(out), QString::fromUtf8(err));
    }
};

Run runProcess(const QString &program, const QStringList &arguments, const QByteArray &input = {},
               const QString &workDir = {}, int timeoutMs = clientTimeoutMs)
{
    Run run;
    QProcess process;
    process.setProcessEnvironment(headlessEnvironment());
    if (!workDir.isEmpty())
        process.setWorkingDirectory(workDir);
    process.start(program, arguments);
    if (!process.waitForStarted(startTimeoutMs)) {
        run.error = u"cannot start %1: %2"_s.arg(program, process.errorString());
        return run;
    }
    if (!input.isEmpty())
        process.write(input);
    process.closeWriteChannel();
    if (!finishOrKill(process, timeoutMs))
        run.error = u"did not finish in %1 ms"_s.arg(timeoutMs);
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    run.exitCode = process.exitCode();
    run.finished = run.error.isEmpty() && process.exitStatus() == QProcess::NormalExit;
    if (run.error.isEmpty() && process.exitStatus() != QProcess::NormalExit)
        run.error = u"crashed / killed by a signal"_s;
    return run;
}

/// Runs a client to completion. Returns an empty string on success, else what went wrong.
QString runClient(const QString &workDir, const QString &program, const QStringList &arguments,
                  bool requireSuccess = true)
{
    const Run run = runProcess(program, arguments, {}, workDir);
    const QString what = program + u' ' + arguments.join(u' ');
    if (!run.error.isEmpty())
        return run.describe(what);
    if (requireSuccess && run.exitCode != 0)
        return run.describe(what);
    return {};
}

QString socatSend(const QString &workDir, const QString &file, quint16 port,
                  bool requireSuccess = true)
{
    return runClient(workDir, u"socat"_s,
                     {u"-u"_s, u"FILE:"_s + file, u"TCP:127.0.0.1:%1"_s.arg(port)}, requireSuccess);
}

/// The python3 that has Debian's prometheus_client: /usr/bin/python3 when it exists (the
/// python3 on PATH may be a pyenv one without Debian's modules).
QString systemPython()
{
    if (QFileInfo(u"/usr/bin/python3"_s).isExecutable())
        return u"/usr/bin/python3"_s;
    return QStandardPaths::findExecutable(u"python3"_s);
}

// ---- HTTP ----

struct HttpResult
{
    int status = -1;
    QByteArray body;
    QString error; ///< curl failed
};

/// curl, with bounded time and no proxy: `curl -sS --max-time 5 --noproxy '*'`.
HttpResult curl(quint16 port, const QString &path, const QStringList &extra = {})
{
    static const QByteArray marker = "\n--curl-status:";
    const QStringList args = QStringList{u"-sS"_s,
                                         u"--max-time"_s,
                                         u"5"_s,
                                         u"--noproxy"_s,
                                         u"*"_s,
                                         u"-w"_s,
                                         QString::fromLatin1(marker) + u"%{http_code}"_s} +
                             extra + QStringList{u"http://127.0.0.1:%1%2"_s.arg(port).arg(path)};
    const Run run = runProcess(u"curl"_s, args, {}, {}, 30000);
    HttpResult result;
    if (!run.finished || run.exitCode != 0) {
        result.error = run.describe(u"curl "_s + args.join(u' '));
        return result;
    }
    const qsizetype at = run.out.lastIndexOf(marker);
    if (at < 0) {
        result.error = u"no status from curl: "_s + QString::fromUtf8(run.out);
        return result;
    }
    result.body = run.out.left(at);
    result.status = run.out.mid(at + marker.size()).trimmed().toInt();
    return result;
}

/// One raw exchange: connects, sends `request`, reads until the server closes (bounded).
struct RawExchange
{
    bool connected = false;
    bool closedByServer = false;
    QByteArray response;
};

RawExchange rawExchange(quint16 port, const QByteArray &request, int timeoutMs = 15000)
{
    RawExchange out;
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(10000))
        return out;
    out.connected = true;
    socket.write(request);
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (socket.state() == QAbstractSocket::UnconnectedState) {
            out.closedByServer = true;
            break;
        }
        socket.waitForReadyRead(50);
        out.response += socket.readAll();
        if (socket.state() == QAbstractSocket::UnconnectedState) {
            out.closedByServer = true;
            break;
        }
    }
    out.response += socket.readAll();
    return out;
}

int statusCodeOf(const QByteArray &response)
{
    static const QRegularExpression re(uR"(^HTTP/1\.[01] (\d{3}) )"_s);
    const QRegularExpressionMatch m = re.match(QString::fromLatin1(response.left(64)));
    return m.hasMatch() ? m.captured(1).toInt() : -1;
}

/// A strict reading of the Prometheus text format 0.0.4: returns problems found, and every
/// sample as "name{labels}" (labels as sent, sorted by name) -> value.
struct MetricsCheck
{
    QStringList problems;
    QHash<QString, double> samples;
    QHash<QString, QString> types; ///< family -> type
};

MetricsCheck checkMetricsStrictly(const QByteArray &text)
{
    static const QRegularExpression namePattern(uR"(^[a-zA-Z_:][a-zA-Z0-9_:]*$)"_s);
    static const QRegularExpression labelNamePattern(uR"(^[a-zA-Z_][a-zA-Z0-9_]*$)"_s);
    static const QRegularExpression samplePattern(
        uR"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$)"_s);
    static const QSet<QString> knownTypes{u"counter"_s, u"gauge"_s, u"histogram"_s, u"summary"_s,
                                          u"untyped"_s};
    MetricsCheck check;
    QStringList &problems = check.problems;
    if (text.isEmpty())
        problems.append(u"empty exposition"_s);
    if (!text.isEmpty() && !text.endsWith('\n'))
        problems.append(u"the last line has no newline"_s);
    QHash<QString, QString> help;
    QSet<QString> withSamples;
    QSet<QString> finished; // families whose block ended: nothing more of them may follow
    QString current;        // the family whose block is open
    const auto enter = [&](const QString &family, int lineNo) {
        if (family == current)
            return;
        if (finished.contains(family))
            problems.append(u"line %1: family %2 is not contiguous"_s.arg(lineNo).arg(family));
        if (!current.isEmpty())
            finished.insert(current);
        current = family;
    };
    const QList<QByteArray> lines = text.split('\n');
    for (qsizetype i = 0; i + 1 < lines.size() || (i < lines.size() && !lines[i].isEmpty()); ++i) {
        const int lineNo = int(i + 1);
        const QString line = QString::fromUtf8(lines[i]);
        if (line.isEmpty())
            continue;
        if (line.startsWith(u'#')) {
            const QStringList parts = line.split(u' ');
            if (parts.size() >= 3 && (parts[1] == u"HELP" || parts[1] == u"TYPE")) {
                const QString family = parts[2];
                if (!namePattern.match(family).hasMatch())
                    problems.append(u"line %1: bad metric name in %2"_s.arg(lineNo).arg(line));
                enter(family, lineNo);
                if (withSamples.contains(family))
                    problems.append(
                        u"line %1: %2 after the samples of %3"_s.arg(lineNo).arg(parts[1], family));
                if (parts[1] == u"HELP") {
                    if (help.contains(family))
                        problems.append(u"line %1: second HELP for %2"_s.arg(lineNo).arg(family));
                    help.insert(family, parts.mid(3).join(u' '));
                } else {
                    if (parts.size() != 4 || !knownTypes.contains(parts[3]))
                        problems.append(u"line %1: bad TYPE line: %2"_s.arg(lineNo).arg(line));
                    if (check.types.contains(family))
                        problems.append(u"line %1: second TYPE for %2"_s.arg(lineNo).arg(family));
                    check.types.insert(family, parts.value(3));
                    if (parts.value(3) == u"counter" && !family.endsWith(u"_total"))
                        problems.append(
                            u"line %1: counter %2 does not end in _total"_s.arg(lineNo).arg(
                                family));
                }
            }
            continue; // other comments are allowed
        }
        const QRegularExpressionMatch m = samplePattern.match(line);
        if (!m.hasMatch()) {
            problems.append(u"line %1: not 'name{labels} value': %2"_s.arg(lineNo).arg(line));
            continue;
        }
        const QString name = m.captured(1);
        // Counters and gauges: the sample's name is the family's.
        const QString family = name;
        enter(family, lineNo);
        withSamples.insert(family);
        if (!help.contains(family))
            problems.append(
                u"line %1: sample of %2 without a HELP before it"_s.arg(lineNo).arg(name));
        if (!check.types.contains(family))
            problems.append(
                u"line %1: sample of %2 without a TYPE before it"_s.arg(lineNo).arg(name));
        // Labels: name="value" pairs, comma-separated, escapes \\ \" \n in values.
        QStringList labels;
        if (m.hasCaptured(2) && !m.captured(2).isEmpty()) {
            const QString body = m.captured(3);
            qsizetype p = 0;
            while (p < body.size()) {
                const qsizetype eq = body.indexOf(u'=', p);
                if (eq < 0 || eq + 1 >= body.size() || body[eq + 1] != u'"') {
                    problems.append(u"line %1: bad labels: %2"_s.arg(lineNo).arg(line));
                    break;
                }
                const QString labelName = body.mid(p, eq - p);
                if (!labelNamePattern.match(labelName).hasMatch())
                    problems.append(u"line %1: bad label name '%2'"_s.arg(lineNo).arg(labelName));
                qsizetype q = eq + 2;
                QString value;
                bool closed = false;
                while (q < body.size()) {
                    const QChar c = body[q];
                    if (c == u'\\' && q + 1 < body.size()) {
                        const QChar n = body[q + 1];
                        if (n != u'\\' && n != u'"' && n != u'n')
                            problems.append(u"line %1: bad escape in %2"_s.arg(lineNo).arg(line));
                        value += n == u'n' ? u'\n' : n;
                        q += 2;
                        continue;
                    }
                    if (c == u'"') {
                        closed = true;
                        ++q;
                        break;
                    }
                    value += c;
                    ++q;
                }
                if (!closed) {
                    problems.append(
                        u"line %1: unterminated label value: %2"_s.arg(lineNo).arg(line));
                    break;
                }
                labels.append(labelName + u"=\""_s + value + u'"');
                if (q < body.size()) {
                    if (body[q] != u',') {
                        problems.append(u"line %1: bad labels: %2"_s.arg(lineNo).arg(line));
                        break;
                    }
                    ++q;
                }
                p = q;
            }
        }
        labels.sort();
        const QString valueText = m.captured(4);
        bool ok = false;
        double value = valueText.toDouble(&ok);
        if (!ok && (valueText == u"+Inf" || valueText == u"-Inf" || valueText == u"NaN"))
            ok = true;
        if (!ok)
            problems.append(u"line %1: value '%2' is not a number"_s.arg(lineNo).arg(valueText));
        const QString key = labels.isEmpty() ? name : name + u'{' + labels.join(u',') + u'}';
        if (check.samples.contains(key))
            problems.append(u"line %1: duplicate series %2"_s.arg(lineNo).arg(key));
        check.samples.insert(key, value);
    }
    for (auto it = check.types.cbegin(); it != check.types.cend(); ++it) {
        if (!help.contains(it.key()))
            problems.append(u"family %1 has a TYPE but no HELP"_s.arg(it.key()));
    }
    for (auto it = help.cbegin(); it != help.cend(); ++it) {
        if (!check.types.contains(it.key()))
            problems.append(u"family %1 has a HELP but no TYPE"_s.arg(it.key()));
    }
    return check;
}

QString portKey(const QString &name, quint16 port)
{
    return u"%1{port=\"%2\"}"_s.arg(name).arg(port);
}

/// The entry of `port` in a JSON array of objects with a "port" member.
QJsonObject entryForPort(const QJsonArray &array, quint16 port)
{
    for (const QJsonValue &v : array) {
        if (v.toObject().value(u"port"_s).toInt() == port)
            return v.toObject();
    }
    return {};
}

// ---- manifest ----

QList<QJsonObject> readManifest(const QString &dir, QStringList *problems)
{
    const JsonLines parsed = parseJsonLines(TestSupport::readFile(dir + u"/manifest.jsonl"_s));
    *problems = parsed.errors;
    return parsed.objects;
}

QList<QJsonObject> manifestFiles(const QList<QJsonObject> &manifest, quint16 port = 0)
{
    QList<QJsonObject> out;
    for (const QJsonObject &o : manifest) {
        if (o.value(u"type"_s).toString() == u"file" &&
            (port == 0 || o.value(u"port"_s).toInt() == port))
            out.append(o);
    }
    return out;
}

/// What a "file" manifest line must look like; problems found, empty if none.
QStringList fileEntryProblems(const QJsonObject &o)
{
    QStringList problems;
    const QString text = QString::fromUtf8(compactJson(o));
    const auto need = [&](bool ok, const QString &what) {
        if (!ok)
            problems.append(what + u": "_s + text);
    };
    need(o.value(u"file"_s).isString() && !o.value(u"file"_s).toString().contains(u'/'),
         u"\"file\" is not a plain name"_s);
    need(o.value(u"port"_s).isDouble(), u"no \"port\""_s);
    const QString split = o.value(u"split"_s).toString();
    need(split == u"port" || split == u"connection", u"bad \"split\""_s);
    need(o.value(u"bytes"_s).isDouble(), u"no \"bytes\""_s);
    // The digest, under its algorithm's name (none: no key).
    need(!(o.contains(u"xxh128"_s) && o.contains(u"sha256"_s)), u"two digests"_s);
    need(!o.contains(u"xxh128"_s) || o.value(u"xxh128"_s).isNull() ||
             QRegularExpression(u"^[0-9a-f]{32}$"_s)
                 .match(o.value(u"xxh128"_s).toString())
                 .hasMatch(),
         u"\"xxh128\" is neither hex nor null"_s);
    need(!o.contains(u"sha256"_s) || o.value(u"sha256"_s).isNull() ||
             QRegularExpression(u"^[0-9a-f]{64}$"_s)
                 .match(o.value(u"sha256"_s).toString())
                 .hasMatch(),
         u"\"sha256\" is neither hex nor null"_s);
    need(isIsoTime(o.value(u"opened"_s)), u"\"opened\" is not a time"_s);
    need(isIsoTime(o.value(u"closed"_s)), u"\"closed\" is not a time"_s);
    need(o.value(u"close_reason"_s).isString() && !o.value(u"close_reason"_s).toString().isEmpty(),
         u"no \"close_reason\""_s);
    need(o.value(u"connections"_s).isArray(), u"no \"connections\" array"_s);
    for (const QJsonValue &v : o.value(u"connections"_s).toArray()) {
        const QJsonObject c = v.toObject();
        need(c.value(u"id"_s).isDouble(), u"a connection without \"id\""_s);
        need(QRegularExpression(uR"(^127\.0\.0\.1:\d+$)"_s)
                 .match(c.value(u"peer"_s).toString())
                 .hasMatch(),
             u"a connection's \"peer\" is not 127.0.0.1:port"_s);
        need(isIsoTime(c.value(u"opened"_s)), u"a connection's \"opened\" is not a time"_s);
        need(c.value(u"closed"_s).isNull() || isIsoTime(c.value(u"closed"_s)),
             u"a connection's \"closed\" is neither a time nor null"_s);
        need(c.value(u"closed"_s).isNull() || c.value(u"close_reason"_s).isString(),
             u"a closed connection without \"close_reason\""_s);
        need(c.value(u"bytes"_s).isDouble(), u"a connection without \"bytes\""_s);
        need((split == u"port") == c.contains(u"offset"_s),
             u"\"offset\" must be there exactly with split=port"_s);
        need(!c.contains(u"interleaved"_s) || c.value(u"interleaved"_s) == QJsonValue(true),
             u"\"interleaved\" present but not true"_s);
    }
    return problems;
}

/// The files' contents concatenated in manifest order, or an error.
QByteArray concatenated(const QString &dir, const QList<QJsonObject> &files)
{
    QByteArray out;
    for (const QJsonObject &f : files)
        out += TestSupport::readFile(QDir(dir).filePath(f.value(u"file"_s).toString()));
    return out;
}

Run verify(const QStringList &arguments)
{
    return runProcess(receiverBinary(), QStringList{u"verify"_s} + arguments);
}

QStringList outLines(const Run &run)
{
    QStringList lines = QString::fromUtf8(run.out).split(u'\n');
    if (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    return lines;
}

QStringList errLines(const QByteArray &err)
{
    QStringList lines = QString::fromUtf8(err).split(u'\n');
    if (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    return lines;
}

QStringList linesStartingWith(const QStringList &lines, const QString &prefix)
{
    QStringList out;
    for (const QString &l : lines) {
        if (l.startsWith(prefix))
            out.append(l);
    }
    return out;
}

QStringList baseArguments(const QString &ports, const QString &out)
{
    return {u"--nogui"_s, u"-b"_s, u"127.0.0.1"_s, u"-p"_s, ports, u"-o"_s, out};
}

} // namespace

class TestObservability : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    // --events
    void eventsNormalRun();
    void eventsWriteError();
    void eventsOtherError();
    void eventsListenFailed();
    void eventsStartFailed();
    void eventsOutputDirectoryDeleted();
    void eventsEveryKindOverAllRuns();
    void eventsToStdout();
    void eventsPathUnwritable();
    void hashNone();

    // --status
    void statusEndpoints();
    void metricsParsedByPrometheusClient();
    void emptyConnectionsMakeNoFile();
    void strictMetricsReading_data();
    void strictMetricsReading();
    void statusStartupErrors_data();
    void statusStartupErrors();
    void healthzPastSilentClients();

    // manifest and verify
    void verifyAfterCapture();
    void verifyWithMaxFilesDeletions();
    void verifyUsageErrors();

    // rotation
    void rotateBySize();
    void rotateByInterval();
    void badValues_data();
    void badValues();

private:
    QSet<QString> m_kindsSeen; // event kinds seen by the events tests, over all runs
};

void TestObservability::initTestCase()
{
    QVERIFY2(QFileInfo(receiverBinary()).isExecutable(), qPrintable(receiverBinary()));
    for (const QString &tool : {u"socat"_s, u"python3"_s, u"curl"_s, u"prlimit"_s}) {
        QVERIFY2(!QStandardPaths::findExecutable(tool).isEmpty(),
                 qPrintable(tool + u" is needed by this test and is not on PATH"_s));
    }
}

// 1. One normal run that produces every kind a normal run can; then the write-error run,
// a port in use and an output directory that cannot be made for the failure kinds. The kinds
// seen over all runs are checked at the end.
void TestObservability::eventsNormalRun()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString eventsPath = tmp.filePath(u"events.jsonl"_s);
    const QList<quint16> ports = TestSupport::freePorts(2);
    const quint16 rotating = ports[0]; // rotates every 64 KiB, keeps 1 file: file_deleted
    const quint16 shared = ports[1];   // two connections at once: warning
    QList<QJsonObject> events;

    {
        Receiver receiver(tmp.path(),
                          baseArguments(u"%1,%2"_s.arg(rotating).arg(shared), u"out"_s) +
                              QStringList{u"--events"_s, eventsPath, u"--stats-interval"_s, u"1"_s,
                                          u"--rotate-size"_s, u"64K"_s, u"--max-files"_s, u"1"_s,
                                          u"--drain-timeout"_s, u"5"_s});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());

        // Flushed per line: the start's lines are in the file while the receiver runs.
        QTRY_VERIFY2_WITH_TIMEOUT(
            eventsOf(parseJsonLines(TestSupport::readFile(eventsPath)).objects, u"started"_s)
                    .size() == 1,
            qPrintable(QString::fromUtf8(TestSupport::readFile(eventsPath))), lineTimeoutMs);

        const QByteArray data = TestSupport::patternData(1, 200 * KiB);
        QVERIFY(writeDataFile(tmp.filePath(u"rot.bin"_s), data));
        QString error = socatSend(tmp.path(), u"rot.bin"_s, rotating);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY2(
            receiver.waitForLine(QRegularExpression(
                uR"(port %1: connection from .* closed \(peer closed\): %2 bytes)"_s.arg(rotating)
                    .arg(data.size()))),
            receiver.describe());

        const QByteArray first = TestSupport::patternData(2, 10 * KiB);
        const QByteArray second = TestSupport::patternData(3, 20 * KiB);
        QVERIFY(writeDataFile(tmp.filePath(u"first.bin"_s), first));
        HoldingClient holder(tmp.path(), shared, u"first.bin"_s);
        QVERIFY2(holder.waitUntilSent(), qPrintable(holder.errorText()));
        QVERIFY2(receiver.waitForLine(u"port %1: connection from 127.0.0.1:"_s.arg(shared)),
                 receiver.describe());
        const auto sendError = TestSupport::sendAll(shared, second);
        QVERIFY2(!sendError, qPrintable(sendError.value_or(QString())));
        QVERIFY2(receiver.waitForLine(u"is concurrent with another"_s), receiver.describe());
        QVERIFY(holder.finish());
        QVERIFY2(
            receiver.waitForLine(QRegularExpression(
                uR"(port %1: connection from .* closed \(peer closed\): %2 bytes)"_s.arg(shared)
                    .arg(first.size()))),
            receiver.describe());

        // A periodic stats line (every second), read while the receiver still runs.
        QTRY_VERIFY2_WITH_TIMEOUT(
            !eventsOf(parseJsonLines(TestSupport::readFile(eventsPath)).objects, u"stats"_s)
                 .isEmpty(),
            qPrintable(QString::fromUtf8(TestSupport::readFile(eventsPath))), lineTimeoutMs);
        const QList<QJsonObject> whileRunning =
            eventsOf(parseJsonLines(TestSupport::readFile(eventsPath)).objects, u"warning"_s);
        QVERIFY2(whileRunning.size() == 1,
                 qPrintable(QString::fromUtf8(TestSupport::readFile(eventsPath))));
        QVERIFY2(receiver.isRunning(), receiver.describe());

        // The kinds count for the overall check even when the exit is not what it should be.
        const QByteArray stop = receiver.stopProblem(0);
        const QStringList problems = eventLineProblems(TestSupport::readFile(eventsPath), &events);
        for (const QJsonObject &e : std::as_const(events))
            m_kindsSeen.insert(e.value(u"event"_s).toString());
        QVERIFY2(stop.isEmpty(), stop.constData());
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        const QString all = QString::fromUtf8(TestSupport::readFile(eventsPath));

        // Every kind a normal run produces.
        for (const QString &kind :
             {u"started"_s, u"listening"_s, u"connection_opened"_s, u"connection_closed"_s,
              u"file_opened"_s, u"file_closed"_s, u"file_deleted"_s, u"warning"_s,
              u"drain_started"_s, u"stats"_s, u"stopped"_s}) {
            QVERIFY2(!eventsOf(events, kind).isEmpty(),
                     qPrintable(u"no %1 event in:\n%2"_s.arg(kind, all)));
        }
        for (const QJsonObject &st : eventsOf(events, u"stats"_s)) {
            QVERIFY2(st.value(u"ports"_s).isArray() && st.value(u"total"_s).isObject() &&
                         st.value(u"total"_s).toObject().value(u"bytes"_s).isDouble(),
                     compactJson(st).constData());
        }
        QCOMPARE(eventsOf(events, u"started"_s).size(), 1);
        QCOMPARE(eventsOf(events, u"listening"_s).size(), 2);
        QCOMPARE(eventsOf(events, u"stopped"_s).size(), 1);
        QCOMPARE(events.last().value(u"event"_s).toString(), u"stopped"_s);
        QVERIFY2(eventsOf(events, u"stats"_s).size() >= 2, qPrintable(all)); // periodic + final
        QVERIFY2(events.size() >= 2 &&
                     events[events.size() - 2].value(u"event"_s).toString() == u"stats"_s,
                 qPrintable(u"the final stats does not come right before stopped: "_s +
                            kindsText(events)));
        QVERIFY2(eventsOf(events, u"warning"_s)
                     .first()
                     .value(u"message"_s)
                     .toString()
                     .contains(QString::number(shared)),
                 qPrintable(all));

        // connection_closed: reason and byte counts.
        const QList<QJsonObject> closed = eventsOf(events, u"connection_closed"_s);
        QCOMPARE(closed.size(), 3);
        QCOMPARE(eventsOf(events, u"connection_opened"_s).size(), 3);
        QHash<int, qint64> receivedPerPort;
        for (const QJsonObject &c : closed) {
            QCOMPARE(c.value(u"reason"_s).toString(), u"peer closed"_s);
            QVERIFY2(c.value(u"bytes_received"_s).isDouble() &&
                         c.value(u"bytes_written"_s).isDouble(),
                     compactJson(c).constData());
            QCOMPARE(c.value(u"bytes_written"_s).toInteger(),
                     c.value(u"bytes_received"_s).toInteger());
            receivedPerPort[c.value(u"port"_s).toInt()] += c.value(u"bytes_received"_s).toInteger();
        }
        QCOMPARE(receivedPerPort.value(rotating), data.size());
        QCOMPARE(receivedPerPort.value(shared), first.size() + second.size());

        // file_closed: bytes, xxh128 (the default), reason, state. The rotating port's files are
        // the data's 64 KiB slices in order; xxh128 equals the file on disk where it is there.
        qint64 offset = 0;
        int onDisk = 0;
        for (const QJsonObject &f : eventsOf(events, u"file_closed"_s)) {
            const QString path = QDir(tmp.path()).absoluteFilePath(f.value(u"file"_s).toString());
            QVERIFY2(f.value(u"bytes"_s).isDouble(), compactJson(f).constData());
            QVERIFY2(QRegularExpression(u"^[0-9a-f]{32}$"_s)
                         .match(f.value(u"xxh128"_s).toString())
                         .hasMatch(),
                     compactJson(f).constData());
            QVERIFY2(!f.value(u"reason"_s).toString().isEmpty(), compactJson(f).constData());
            QCOMPARE(f.value(u"state"_s).toString(), u"closed"_s);
            if (QFileInfo::exists(path)) {
                ++onDisk;
                QCOMPARE(QFileInfo(path).size(), f.value(u"bytes"_s).toInteger());
                QCOMPARE(TestSupport::fileXxh128(path), f.value(u"xxh128"_s).toString().toLatin1());
            }
            if (f.value(u"port"_s).toInt() == rotating) {
                const qint64 bytes = f.value(u"bytes"_s).toInteger();
                QVERIFY2(bytes <= 64 * KiB, compactJson(f).constData());
                QCOMPARE(f.value(u"xxh128"_s).toString().toLatin1(),
                         TestSupport::xxh128(data.mid(offset, bytes)));
                offset += bytes;
            }
        }
        QCOMPARE(offset, data.size());
        QCOMPARE(onDisk, 2); // --max-files 1: the last file of each port
        const QList<QJsonObject> deleted = eventsOf(events, u"file_deleted"_s);
        QCOMPARE(deleted.size(), 3); // 4 files of 64, 64, 64, 8 KiB on the rotating port
        for (const QJsonObject &d : deleted) {
            QCOMPARE(d.value(u"port"_s).toInt(), int(rotating));
            QVERIFY2(!QFileInfo::exists(
                         QDir(tmp.path()).absoluteFilePath(d.value(u"file"_s).toString())),
                     compactJson(d).constData());
        }

        // The final stats and stopped carry the totals.
        const QJsonObject finalStats = events[events.size() - 2];
        const qint64 total = data.size() + first.size() + second.size();
        QVERIFY2(finalStats.value(u"ports"_s).isArray() &&
                     finalStats.value(u"ports"_s).toArray().size() == 2,
                 compactJson(finalStats).constData());
        QCOMPARE(entryForPort(finalStats.value(u"ports"_s).toArray(), rotating)
                     .value(u"bytes"_s)
                     .toInteger(),
                 data.size());
        QCOMPARE(finalStats.value(u"total"_s).toObject().value(u"bytes"_s).toInteger(), total);
        QCOMPARE(events.last().value(u"bytes_received"_s).toInteger(), total);
        QCOMPARE(events.last().value(u"bytes_written"_s).toInteger(), total);
    }
}

// 1a. A write error (EFBIG under prlimit --fsize): write_error, and an error.
void TestObservability::eventsWriteError()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    {
        const QString eventsB = tmp.filePath(u"events-write-error.jsonl"_s);
        const quint16 port = TestSupport::freePort();
        constexpr qsizetype limit = 256 * KiB;
        Receiver receiver(tmp.path(),
                          baseArguments(QString::number(port), u"out-b"_s) +
                              QStringList{u"--events"_s, eventsB, u"--stats-interval"_s, u"0"_s},
                          {u"prlimit"_s, u"--fsize=%1"_s.arg(limit)});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
        const QByteArray big = TestSupport::patternData(4, 1 * MiB);
        QVERIFY(writeDataFile(tmp.filePath(u"big.bin"_s), big));
        // The receiver drops this connection at the write error: socat may see a reset.
        const QString error = socatSend(tmp.path(), u"big.bin"_s, port, false);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY2(receiver.waitForLine(u"write error on"_s), receiver.describe());
        const QByteArray stop = receiver.stopProblem(1);
        QList<QJsonObject> eventsWithError;
        const QStringList problems =
            eventLineProblems(TestSupport::readFile(eventsB), &eventsWithError);
        for (const QJsonObject &e : std::as_const(eventsWithError))
            m_kindsSeen.insert(e.value(u"event"_s).toString());
        QVERIFY2(stop.isEmpty(), stop.constData());
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        const QString all = QString::fromUtf8(TestSupport::readFile(eventsB));
        const QList<QJsonObject> writeErrors = eventsOf(eventsWithError, u"write_error"_s);
        QVERIFY2(writeErrors.size() == 1, qPrintable(all));
        QCOMPARE(writeErrors.first().value(u"port"_s).toInt(), int(port));
        QCOMPARE(writeErrors.first().value(u"bytes"_s).toInteger(), limit);
        QVERIFY2(writeErrors.first().value(u"error"_s).toString().contains(u"File too large"_s),
                 qPrintable(all));
        const QList<QJsonObject> fileClosed = eventsOf(eventsWithError, u"file_closed"_s);
        QVERIFY2(fileClosed.size() == 1, qPrintable(all));
        QCOMPARE(fileClosed.first().value(u"state"_s).toString(), u"error"_s);
        const QString path =
            QDir(tmp.path()).absoluteFilePath(fileClosed.first().value(u"file"_s).toString());
        QCOMPARE(TestSupport::fileXxh128(path),
                 fileClosed.first().value(u"xxh128"_s).toString().toLatin1());
        QCOMPARE(TestSupport::fileSha256(path), TestSupport::sha256(big.left(limit)));
        const QList<QJsonObject> closed = eventsOf(eventsWithError, u"connection_closed"_s);
        QVERIFY2(closed.size() == 1, qPrintable(all));
        QCOMPARE(closed.first().value(u"bytes_written"_s).toInteger(), limit);
        QVERIFY2(closed.first().value(u"bytes_received"_s).toInteger() > limit, qPrintable(all));
        // A write error is its own kind (write_error, with the file and the reason), not
        // repeated as a generic "error" event.
        QVERIFY2(eventsOf(eventsWithError, u"error"_s).isEmpty(), qPrintable(all));
    }
}

// 1b. An error that is not a write error: the output directory is replaced by a plain file,
// so it cannot be made again and a new file cannot be created.
void TestObservability::eventsOtherError()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    {
        const QString eventsE = tmp.filePath(u"events-error.jsonl"_s);
        const quint16 port = TestSupport::freePort();
        Receiver receiver(tmp.path(), baseArguments(QString::number(port), u"out-e"_s) +
                                          QStringList{u"--split"_s, u"connection"_s, u"--events"_s,
                                                      eventsE, u"--stats-interval"_s, u"0"_s});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
        QVERIFY(QDir(tmp.filePath(u"out-e"_s)).removeRecursively());
        QFile blocker(tmp.filePath(u"out-e"_s));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        const auto sendError = TestSupport::sendAll(port, "lost");
        Q_UNUSED(sendError); // the receiver may close the connection before it is all sent
        QVERIFY2(receiver.waitForLine(u" error port %1: connection from"_s.arg(port)),
                 receiver.describe());
        const bool stopped =
            receiver.sendSignal(SIGTERM) && receiver.waitForExit() && receiver.exitedNormally();
        QList<QJsonObject> got;
        const QStringList problems = eventLineProblems(TestSupport::readFile(eventsE), &got);
        for (const QJsonObject &e : std::as_const(got))
            m_kindsSeen.insert(e.value(u"event"_s).toString());
        QVERIFY2(stopped, receiver.describe());
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        const QList<QJsonObject> errors = eventsOf(got, u"error"_s);
        // The directory's error, then the connection's (and at the stop, the run's stop line
        // that could not be written, in full).
        QVERIFY2(errors.size() >= 2 &&
                     errors[0].value(u"message"_s).toString().contains(u"out-e was deleted"_s) &&
                     errors[1].value(u"message"_s).toString().contains(QString::number(port)),
                 TestSupport::readFile(eventsE).constData());
    }
}

// 1c. A port in use by another socket: listen_failed, exit 1.
void TestObservability::eventsListenFailed()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    {
        const QString eventsC = tmp.filePath(u"events-listen.jsonl"_s);
        const QList<quint16> two = TestSupport::freePorts(2);
        QTcpServer blocker;
        QVERIFY2(blocker.listen(QHostAddress::LocalHost, two[0]),
                 qPrintable(blocker.errorString()));
        Receiver receiver(tmp.path(),
                          baseArguments(u"%1,%2"_s.arg(two[0]).arg(two[1]), u"out-c"_s) +
                              QStringList{u"--events"_s, eventsC});
        QVERIFY2(receiver.start(), receiver.describe());
        QVERIFY2(receiver.waitForExit() && receiver.exitedNormally() && receiver.exitCode() == 1,
                 receiver.describe());
        QList<QJsonObject> got;
        const QStringList problems = eventLineProblems(TestSupport::readFile(eventsC), &got);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        for (const QJsonObject &e : std::as_const(got))
            m_kindsSeen.insert(e.value(u"event"_s).toString());
        const QList<QJsonObject> failed = eventsOf(got, u"listen_failed"_s);
        QVERIFY2(failed.size() == 1, TestSupport::readFile(eventsC).constData());
        QCOMPARE(failed.first().value(u"port"_s).toInt(), int(two[0]));
        QVERIFY2(failed.first().value(u"reason"_s).toString().contains(u"Address already in use"_s),
                 compactJson(failed.first()).constData());
        QVERIFY2(eventsOf(got, u"started"_s).isEmpty(), TestSupport::readFile(eventsC).constData());
    }
}

// 1d. An output directory that cannot be created: start_failed, exit 1.
void TestObservability::eventsStartFailed()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    {
        const QString eventsD = tmp.filePath(u"events-start.jsonl"_s);
        QVERIFY(writeDataFile(tmp.filePath(u"plainfile"_s), "not a directory"));
        Receiver receiver(tmp.path(), baseArguments(QString::number(TestSupport::freePort()),
                                                    u"plainfile/out"_s) +
                                          QStringList{u"--events"_s, eventsD});
        QVERIFY2(receiver.start(), receiver.describe());
        QVERIFY2(receiver.waitForExit() && receiver.exitedNormally() && receiver.exitCode() == 1,
                 receiver.describe());
        QList<QJsonObject> got;
        const QStringList problems = eventLineProblems(TestSupport::readFile(eventsD), &got);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        for (const QJsonObject &e : std::as_const(got))
            m_kindsSeen.insert(e.value(u"event"_s).toString());
        const QList<QJsonObject> failed = eventsOf(got, u"start_failed"_s);
        QVERIFY2(failed.size() == 1 && !failed.first().value(u"reason"_s).toString().isEmpty(),
                 TestSupport::readFile(eventsD).constData());
    }
}

// 1d'. rm -rf of the output directory while a stream is written into it: the files of the run
// are reported lost (error, file_lost events, /status, /metrics, the manifest of the directory
// made again), the stream goes on into a new file there, and the exit status is 1.
void TestObservability::eventsOutputDirectoryDeleted()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString eventsPath = tmp.filePath(u"events.jsonl"_s);
    const QString out = tmp.filePath(u"out"_s);
    const QList<quint16> ports = TestSupport::freePorts(2);
    const quint16 port = ports[0];
    const quint16 status = ports[1];
    const QByteArray first = TestSupport::patternData(21, 100 * KiB + 1);
    const QByteArray partOne = TestSupport::patternData(22, 50 * KiB + 3);
    const QByteArray partTwo = TestSupport::patternData(23, 30 * KiB + 5);
    const QByteArray last = TestSupport::patternData(24, 20 * KiB + 7);
    Receiver receiver(tmp.path(),
                      baseArguments(QString::number(port), out) +
                          QStringList{u"--split"_s, u"connection"_s, u"--events"_s, eventsPath,
                                      u"--status"_s, QString::number(status), u"--stats-interval"_s,
                                      u"0"_s});
    QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
    auto sendError = TestSupport::sendAll(port, first);
    QVERIFY2(!sendError, qPrintable(sendError.value_or(QString())));
    QVERIFY2(receiver.waitForLine(u"closed (peer closed): %1 bytes"_s.arg(first.size())),
             receiver.describe());
    QTcpSocket going;
    going.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(going.waitForConnected(lineTimeoutMs));
    going.write(partOne);
    QVERIFY(going.waitForBytesWritten(lineTimeoutMs));
    QVERIFY2(receiver.waitForLine(QRegularExpression(u"connection from 127.0.0.1:%1 opened, "
                                                     "writing to"_s.arg(going.localPort()))),
             receiver.describe());
    const QList<QString> before = QDir(out).entryList({u"stream_*"_s}, QDir::Files);
    QCOMPARE(before.size(), 2);
    // Until the receiver has it all: the file's size is what it wrote.
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(QDir(out).filePath(before[0])).size() +
                                     QFileInfo(QDir(out).filePath(before[1])).size() ==
                                 first.size() + partOne.size(),
                             lineTimeoutMs);

    const Run rm = runProcess(u"rm"_s, {u"-rf"_s, out});
    QVERIFY2(rm.finished && rm.exitCode == 0, qPrintable(rm.describe(u"rm -rf"_s)));
    QVERIFY2(receiver.waitForLine(u"error output directory %1 was deleted during the run: the 2 "
                                  "file(s) this run wrote into it are lost"_s.arg(out)),
             receiver.describe());
    going.write(partTwo);
    QVERIFY(going.waitForBytesWritten(lineTimeoutMs));
    going.disconnectFromHost();
    QVERIFY(going.state() == QAbstractSocket::UnconnectedState ||
            going.waitForDisconnected(lineTimeoutMs));
    sendError = TestSupport::sendAll(port, last);
    QVERIFY2(!sendError, qPrintable(sendError.value_or(QString())));
    QVERIFY2(receiver.waitForLine(u"closed (peer closed): %1 bytes"_s.arg(last.size())),
             receiver.describe());
    QVERIFY2(receiver.waitForLine(
                 u"closed (peer closed): %1 bytes"_s.arg(partOne.size() + partTwo.size())),
             receiver.describe());

    QJsonObject totals;
    QTRY_VERIFY_WITH_TIMEOUT((totals = QJsonDocument::fromJson(curl(status, u"/status"_s).body)
                                           .object()
                                           .value(u"totals"_s)
                                           .toObject())
                                     .value(u"files_lost"_s)
                                     .toInteger() == 2,
                             lineTimeoutMs);
    const HttpResult metrics = curl(status, u"/metrics"_s);
    QVERIFY2(metrics.body.contains("\ncapture_files_lost_total 2\n"), metrics.body.constData());

    QVERIFY2(receiver.stopWithSigterm(1), receiver.describe());
    QVERIFY2(receiver.hasLine(u"2 file(s) of this run are lost"_s), receiver.describe());

    // The directory made again: the rest of the stream, the last connection, and a manifest
    // that lists both lost files with what was written into them.
    const QStringList after = QDir(out).entryList({u"stream_*"_s}, QDir::Files);
    QCOMPARE(after.size(), 2);
    QSet<QByteArray> contents;
    for (const QString &name : after)
        contents.insert(TestSupport::readFile(QDir(out).filePath(name)));
    QCOMPARE(contents, (QSet<QByteArray>{partTwo, last}));
    QHash<QString, QJsonObject> lostLines;
    for (const QByteArray &line :
         TestSupport::readFile(QDir(out).filePath(u"manifest.jsonl"_s)).split('\n')) {
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        if (o.value(u"type"_s).toString() == u"lost"_s)
            lostLines.insert(o.value(u"file"_s).toString(), o);
    }
    QCOMPARE(QSet<QString>(lostLines.keyBegin(), lostLines.keyEnd()),
             QSet<QString>(before.cbegin(), before.cend()));
    QSet<qint64> lostSizes;
    for (const QJsonObject &o : std::as_const(lostLines)) {
        QCOMPARE(o.value(u"reason"_s).toString(), u"output directory deleted"_s);
        lostSizes.insert(o.value(u"bytes"_s).toInteger());
        const QByteArray xxh = o.value(u"xxh128"_s).toString().toLatin1();
        QVERIFY2(xxh == TestSupport::xxh128(first) || xxh == TestSupport::xxh128(partOne),
                 xxh.constData());
    }
    QCOMPARE(lostSizes, (QSet<qint64>{first.size(), partOne.size()}));

    // verify: the two present files OK, the two lost ones LOST, exit 1.
    const Run verify = runProcess(receiverBinary(), {u"verify"_s, out});
    QVERIFY2(verify.finished && verify.exitCode == 1, qPrintable(verify.describe(u"verify"_s)));
    QCOMPARE(verify.out.count("\nLOST ") + verify.out.startsWith("LOST "), 2);
    QVERIFY2(verify.out.contains("2 OK"), verify.out.constData());

    QList<QJsonObject> got;
    const QStringList problems = eventLineProblems(TestSupport::readFile(eventsPath), &got);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    for (const QJsonObject &e : std::as_const(got))
        m_kindsSeen.insert(e.value(u"event"_s).toString());
    const QList<QJsonObject> lostEvents = eventsOf(got, u"file_lost"_s);
    QCOMPARE(lostEvents.size(), 2);
    for (const QJsonObject &e : lostEvents)
        QCOMPARE(e.value(u"reason"_s).toString(), u"output directory deleted"_s);
    QCOMPARE(eventsOf(got, u"stopped"_s).constFirst().value(u"files_lost"_s).toInteger(), 2);
}

// 1e. Over all the runs above, every kind there is.
void TestObservability::eventsEveryKindOverAllRuns()
{
    const QStringList everyKind{u"started"_s,      u"listening"_s,         u"listen_failed"_s,
                                u"start_failed"_s, u"connection_opened"_s, u"connection_closed"_s,
                                u"file_opened"_s,  u"file_closed"_s,       u"file_deleted"_s,
                                u"file_lost"_s,    u"write_error"_s,       u"warning"_s,
                                u"error"_s,        u"drain_started"_s,     u"stats"_s,
                                u"stopped"_s};
    QStringList missing;
    for (const QString &kind : everyKind) {
        if (!m_kindsSeen.contains(kind))
            missing.append(kind);
    }
    QVERIFY2(missing.isEmpty(), qPrintable(u"never seen: "_s + missing.join(u", "_s)));
}

// 1f. --events -: the events on stdout, the log lines on stderr, nothing mixed.
void TestObservability::eventsToStdout()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const quint16 port = TestSupport::freePort();
    Receiver receiver(tmp.path(),
                      baseArguments(QString::number(port), u"out"_s) +
                          QStringList{u"--events"_s, u"-"_s, u"--stats-interval"_s, u"0"_s});
    QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
    const QByteArray data = TestSupport::patternData(5, 50 * KiB);
    const auto sendError = TestSupport::sendAll(port, data);
    QVERIFY2(!sendError, qPrintable(sendError.value_or(QString())));
    QVERIFY2(receiver.waitForLine(u"closed (peer closed): %1 bytes"_s.arg(data.size())),
             receiver.describe());
    // Per line, while it runs: the connection's events are on stdout already.
    QTRY_VERIFY2_WITH_TIMEOUT(
        !eventsOf(parseJsonLines(receiver.stdOut()).objects, u"connection_closed"_s).isEmpty(),
        receiver.describe(), lineTimeoutMs);
    const QByteArray stop = receiver.stopProblem(0);
    QVERIFY2(stop.isEmpty(), stop.constData());

    QList<QJsonObject> events;
    const QStringList problems = eventLineProblems(receiver.stdOut(), &events);
    QVERIFY2(problems.isEmpty(),
             qPrintable(problems.join(u'\n') + QString::fromUtf8(receiver.describe())));
    QVERIFY2(!eventsOf(events, u"started"_s).isEmpty(), receiver.describe());
    QCOMPARE(events.last().value(u"event"_s).toString(), u"stopped"_s);
    const QList<QJsonObject> fileClosed = eventsOf(events, u"file_closed"_s);
    QCOMPARE(fileClosed.size(), 1);
    QCOMPARE(fileClosed.first().value(u"xxh128"_s).toString().toLatin1(),
             TestSupport::xxh128(data));
    const QStringList err = errLines(receiver.stdErr());
    QVERIFY(!err.isEmpty());
    for (const QString &line : err) {
        QVERIFY2(logLinePattern().match(line).hasMatch(),
                 qPrintable(u"not a log line on stderr: "_s + line));
    }
}

// 1g. An events path that cannot be opened for writing: exit 2, one line naming it.
void TestObservability::eventsPathUnwritable()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dir = tmp.filePath(u"adir"_s);
    QVERIFY(QDir().mkpath(dir));
    Receiver receiver(tmp.path(),
                      baseArguments(QString::number(TestSupport::freePort()), u"out"_s) +
                          QStringList{u"--events"_s, dir});
    QVERIFY2(receiver.start(), receiver.describe());
    QVERIFY2(receiver.waitForExit(), receiver.describe());
    QVERIFY2(receiver.exitedNormally() && receiver.exitCode() == 2, receiver.describe());
    const QStringList err = errLines(receiver.stdErr());
    QVERIFY2(err.size() == 1 && err.first().contains(dir), receiver.describe());
    QVERIFY2(receiver.stdOut().isEmpty(), receiver.describe());
    QCOMPARE(allEntries(tmp.path()), QStringList{u"adir"_s}); // nothing created
}

// 1h. --hash none: no digest in the events and the manifest; verify checks sizes only.
void TestObservability::hashNone()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString out = tmp.filePath(u"out"_s);
    const QString eventsPath = tmp.filePath(u"events.jsonl"_s);
    const quint16 port = TestSupport::freePort();
    Receiver receiver(tmp.path(), baseArguments(QString::number(port), u"out"_s) +
                                      QStringList{u"--hash"_s, u"none"_s, u"--events"_s, eventsPath,
                                                  u"--stats-interval"_s, u"0"_s});
    QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
    const QByteArray data = TestSupport::patternData(7, 70 * KiB);
    const auto sendError = TestSupport::sendAll(port, data);
    QVERIFY2(!sendError, qPrintable(sendError.value_or(QString())));
    QVERIFY2(receiver.waitForLine(u"closed (peer closed): %1 bytes"_s.arg(data.size())),
             receiver.describe());
    const QByteArray stop = receiver.stopProblem(0);
    QVERIFY2(stop.isEmpty(), stop.constData());

    QList<QJsonObject> events;
    const QStringList problems = eventLineProblems(TestSupport::readFile(eventsPath), &events);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    QCOMPARE(eventsOf(events, u"started"_s).value(0).value(u"hash"_s).toString(), u"none"_s);
    const QList<QJsonObject> closed = eventsOf(events, u"file_closed"_s);
    QCOMPARE(closed.size(), 1);
    QVERIFY2(!closed.first().contains(u"sha256"_s) && !closed.first().contains(u"xxh128"_s),
             compactJson(closed.first()).constData());
    QCOMPARE(closed.first().value(u"bytes"_s).toInteger(), qint64(data.size()));

    QStringList manifestProblems;
    const QList<QJsonObject> files = manifestFiles(readManifest(out, &manifestProblems));
    QVERIFY2(manifestProblems.isEmpty(), qPrintable(manifestProblems.join(u'\n')));
    QCOMPARE(files.size(), 1);
    QVERIFY2(!files.first().contains(u"sha256"_s) && !files.first().contains(u"xxh128"_s),
             compactJson(files.first()).constData());
    const QStringList p = fileEntryProblems(files.first());
    QVERIFY2(p.isEmpty(), qPrintable(p.join(u'\n')));
    const Run run = verify({out});
    QVERIFY2(run.finished && run.exitCode == 0, qPrintable(run.describe(u"verify"_s)));
    QCOMPARE(linesStartingWith(outLines(run), u"OK"_s).size(), 1);
}

// 2. --status: /status, /metrics, /healthz, and what the server does with bad clients.
void TestObservability::statusEndpoints()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QList<quint16> ports = TestSupport::freePorts(4);
    const quint16 sent = ports[0];    // N bytes, then closed
    const quint16 holding = ports[1]; // a connection kept open
    const quint16 busy = ports[2];    // captured while /metrics is polled
    const quint16 status = ports[3];
    Receiver receiver(tmp.path(),
                      baseArguments(u"%1,%2,%3"_s.arg(sent).arg(holding).arg(busy), u"out"_s) +
                          QStringList{u"--status"_s, QString::number(status), u"--stats-interval"_s,
                                      u"0"_s, u"--rotate-size"_s, u"64M"_s, u"--rotate-interval"_s,
                                      u"1h"_s, u"--max-files"_s, u"5"_s, u"--drain-timeout"_s,
                                      u"1.5"_s});
    QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
    QVERIFY2(receiver.waitForLine(u"status: http://127.0.0.1:%1/status"_s.arg(status)),
             receiver.describe());

    // A client that connects and says nothing: dropped by the server's 5 s request timeout
    // (checked at the end, within 15 s of connecting).
    QTcpSocket silent;
    silent.connectToHost(QHostAddress::LocalHost, status);
    QVERIFY2(silent.waitForConnected(10000), qPrintable(silent.errorString()));
    QDeadlineTimer silentDeadline(15000);

    // /healthz
    HttpResult r = curl(status, u"/healthz"_s);
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body.trimmed(), QByteArray("ok"));

    // N bytes to one port; an open connection with some bytes on another.
    const QByteArray data = TestSupport::patternData(10, 300 * KiB + 7);
    const auto sendError = TestSupport::sendAll(sent, data);
    QVERIFY2(!sendError, qPrintable(sendError.value_or(QString())));
    const QByteArray held = TestSupport::patternData(11, 100 * KiB);
    QVERIFY(writeDataFile(tmp.filePath(u"held.bin"_s), held));
    HoldingClient holder(tmp.path(), holding, u"held.bin"_s);
    QVERIFY2(holder.waitUntilSent(), qPrintable(holder.errorText()));

    // /status: poll until the figures caught up (4 snapshots per second).
    QJsonObject st;
    QString lastBody;
    {
        QDeadlineTimer deadline(lineTimeoutMs);
        for (;;) {
            r = curl(status, u"/status"_s);
            QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
            QCOMPARE(r.status, 200);
            lastBody = QString::fromUtf8(r.body);
            QJsonParseError error;
            const QJsonDocument doc = QJsonDocument::fromJson(r.body, &error);
            QVERIFY2(doc.isObject(), qPrintable(error.errorString() + u": "_s + lastBody));
            st = doc.object();
            const QJsonArray p = st.value(u"ports"_s).toArray();
            if (entryForPort(p, sent).value(u"bytes"_s).toInteger() == data.size() &&
                entryForPort(p, holding).value(u"bytes"_s).toInteger() == held.size() &&
                entryForPort(p, holding).value(u"connections"_s).toInt() == 1)
                break;
            QVERIFY2(!deadline.hasExpired(),
                     qPrintable(u"figures never caught up:\n"_s + lastBody));
            QTest::qWait(100);
        }
    }
    const QByteArray body = lastBody.toUtf8();
    QVERIFY2(st.value(u"version"_s).isString() && !st.value(u"version"_s).toString().isEmpty(),
             body.constData());
    const Run version = runProcess(receiverBinary(), {u"--version"_s});
    QVERIFY2(version.out.contains(st.value(u"version"_s).toString().toUtf8()),
             qPrintable(version.describe(u"--version"_s)));
    QVERIFY2(st.value(u"uptime_s"_s).isDouble() && st.value(u"uptime_s"_s).toDouble() >= 0,
             body.constData());
    QCOMPARE(st.value(u"state"_s).toString(), u"running"_s);

    const QJsonObject settings = st.value(u"settings"_s).toObject();
    QCOMPARE(settings.value(u"bind"_s).toString(), u"127.0.0.1"_s);
    QVERIFY2(settings.value(u"ports"_s).isString() || settings.value(u"ports"_s).isArray(),
             body.constData());
    for (const quint16 p : {sent, holding, busy}) {
        const QJsonValue v = settings.value(u"ports"_s);
        const bool listed =
            v.isArray()
                ? v.toArray().contains(QJsonValue(int(p)))
                : QRegularExpression(u"(^|[,-])%1($|[,-])"_s.arg(p)).match(v.toString()).hasMatch();
        QVERIFY2(listed, body.constData());
    }
    QCOMPARE(settings.value(u"output"_s).toString(),
             QFileInfo(tmp.filePath(u"out"_s)).absoluteFilePath());
    QCOMPARE(settings.value(u"split"_s).toString(), u"port"_s);
    QCOMPARE(settings.value(u"hash"_s).toString(), u"xxh128"_s);
    QCOMPARE(settings.value(u"rotate_size"_s).toInteger(), 64 * MiB);
    QCOMPARE(settings.value(u"rotate_interval_s"_s).toInteger(), 3600);
    QCOMPARE(settings.value(u"max_files"_s).toInt(), 5);
    QCOMPARE(settings.value(u"drain_timeout_ms"_s).toInt(), 1500);

    const QJsonArray portList = st.value(u"ports"_s).toArray();
    QCOMPARE(portList.size(), 3);
    for (const QJsonValue &v : portList) {
        const QJsonObject p = v.toObject();
        for (const QString &key : {u"port"_s, u"state"_s, u"connections"_s, u"connections_total"_s,
                                   u"bytes"_s, u"rate"_s, u"files"_s, u"current_file"_s}) {
            QVERIFY2(p.contains(key), qPrintable(u"no ports[]."_s + key + u" in "_s + lastBody));
        }
    }
    const QJsonObject sentEntry = entryForPort(portList, sent);
    QCOMPARE(sentEntry.value(u"connections"_s).toInt(), 0);
    QCOMPARE(sentEntry.value(u"connections_total"_s).toInt(), 1);
    QCOMPARE(sentEntry.value(u"files"_s).toInt(), 1);
    QVERIFY2(sentEntry.value(u"current_file"_s).toString().contains(u"stream_%1_"_s.arg(sent)),
             body.constData());
    const QJsonObject busyEntry = entryForPort(portList, busy);
    QCOMPARE(busyEntry.value(u"bytes"_s).toInteger(), 0);
    QCOMPARE(busyEntry.value(u"state"_s).toString(), u"listening"_s);

    const QJsonArray connections = st.value(u"connections"_s).toArray();
    QVERIFY2(connections.size() == 1, body.constData());
    QCOMPARE(connections.first().toObject().value(u"port"_s).toInt(), int(holding));
    QVERIFY2(QRegularExpression(uR"(^127\.0\.0\.1:\d+$)"_s)
                 .match(connections.first().toObject().value(u"peer"_s).toString())
                 .hasMatch(),
             body.constData());
    const QJsonArray openFiles = st.value(u"open_files"_s).toArray();
    QVERIFY2(openFiles.size() == 2, body.constData()); // split port: the files stay open
    const QJsonObject totals = st.value(u"totals"_s).toObject();
    QCOMPARE(totals.value(u"bytes"_s).toInteger(), data.size() + held.size());
    QVERIFY2(totals.value(u"rate"_s).isDouble(), body.constData());
    QCOMPARE(totals.value(u"connections"_s).toInt(), 1);
    QCOMPARE(totals.value(u"connections_total"_s).toInt(), 2);
    QCOMPARE(totals.value(u"files_closed"_s).toInt(), 0);
    QCOMPARE(totals.value(u"write_errors"_s).toInt(), 0);
    QCOMPARE(totals.value(u"manifest_errors"_s).toInt(-1), 0);
    QCOMPARE(totals.value(u"manifest_lines_pending"_s).toInt(-1), 0);

    // /metrics: the strict reading.
    r = curl(status, u"/metrics"_s);
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QCOMPARE(r.status, 200);
    const MetricsCheck metrics = checkMetricsStrictly(r.body);
    QVERIFY2(metrics.problems.isEmpty(),
             qPrintable(metrics.problems.join(u'\n') + u"\n---\n"_s + QString::fromUtf8(r.body)));
    const QHash<QString, QString> expectedTypes{{u"capture_up"_s, u"gauge"_s},
                                                {u"capture_received_bytes_total"_s, u"counter"_s},
                                                {u"capture_connections_active"_s, u"gauge"_s},
                                                {u"capture_connections_total"_s, u"counter"_s},
                                                {u"capture_files_closed_total"_s, u"counter"_s},
                                                {u"capture_write_errors_total"_s, u"counter"_s},
                                                {u"capture_manifest_errors_total"_s, u"counter"_s},
                                                {u"capture_manifest_lines_pending"_s, u"gauge"_s}};
    for (auto it = expectedTypes.cbegin(); it != expectedTypes.cend(); ++it)
        QVERIFY2(metrics.types.value(it.key()) == it.value(),
                 qPrintable(it.key() + u" is not a "_s + it.value() + u":\n"_s +
                            QString::fromUtf8(r.body)));
    QCOMPARE(metrics.samples.value(u"capture_up"_s, -1), 1.0);
    QCOMPARE(metrics.samples.value(portKey(u"capture_received_bytes_total"_s, sent), -1),
             double(data.size()));
    QCOMPARE(metrics.samples.value(portKey(u"capture_received_bytes_total"_s, holding), -1),
             double(held.size()));
    QCOMPARE(metrics.samples.value(portKey(u"capture_received_bytes_total"_s, busy), -1), 0.0);
    QCOMPARE(metrics.samples.value(portKey(u"capture_connections_active"_s, holding), -1), 1.0);
    QCOMPARE(metrics.samples.value(portKey(u"capture_connections_active"_s, sent), -1), 0.0);
    QCOMPARE(metrics.samples.value(portKey(u"capture_connections_total"_s, sent), -1), 1.0);
    QCOMPARE(metrics.samples.value(u"capture_files_closed_total"_s, -1), 0.0);
    QCOMPARE(metrics.samples.value(u"capture_write_errors_total"_s, -1), 0.0);
    QCOMPARE(metrics.samples.value(u"capture_manifest_errors_total"_s, -1), 0.0);
    QCOMPARE(metrics.samples.value(u"capture_manifest_lines_pending"_s, -1), 0.0);

    // What the server refuses.
    r = curl(status, u"/nothing-here"_s);
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QCOMPARE(r.status, 404);
    r = curl(status, u"/status"_s, {u"-X"_s, u"POST"_s});
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QCOMPARE(r.status, 405);
    RawExchange raw = rawExchange(status, "\x01\x02garbage that is no HTTP\r\n\r\n");
    QVERIFY(raw.connected);
    QCOMPARE(statusCodeOf(raw.response), 400);
    QVERIFY2(raw.closedByServer, raw.response.constData());
    raw = rawExchange(status, "GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " +
                                  QByteArray(9 * KiB, 'a') + "\r\n\r\n");
    QVERIFY(raw.connected);
    QCOMPARE(statusCodeOf(raw.response), 400);
    QVERIFY2(raw.closedByServer, raw.response.constData());

    // Capture keeps recording every byte while /metrics is polled ten times a second.
    static const QString poller = uR"(import select, sys, time, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
ok = bad = 0
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    if select.select([sys.stdin], [], [], 0)[0]:
        break
    try:
        with opener.open(sys.argv[1], timeout=5) as r:
            body = r.read()
            if r.status == 200 and b'\ncapture_up 1\n' in body:
                ok += 1
            else:
                bad += 1
    except Exception as e:
        bad += 1
        print('poll failed:', e, file=sys.stderr)
    time.sleep(0.1)
print(ok, bad, flush=True)
)"_s;
    static const QString slowSender = uR"(import socket, sys, time
data = open(sys.argv[2], 'rb').read()
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
step = 256 * 1024
for i in range(0, len(data), step):
    s.sendall(data[i:i + step])
    time.sleep(0.05)
s.close()
)"_s;
    QProcess polling;
    polling.setProcessEnvironment(headlessEnvironment());
    polling.start(u"python3"_s, {u"-c"_s, poller, u"http://127.0.0.1:%1/metrics"_s.arg(status)});
    QVERIFY2(polling.waitForStarted(startTimeoutMs), qPrintable(polling.errorString()));
    const QByteArray bulk = TestSupport::patternData(12, 8 * MiB);
    QVERIFY(writeDataFile(tmp.filePath(u"bulk.bin"_s), bulk));
    const QString error = runClient(tmp.path(), u"python3"_s,
                                    {u"-c"_s, slowSender, QString::number(busy), u"bulk.bin"_s});
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY2(receiver.waitForLine(QRegularExpression(
                 uR"(port %1: connection from .* closed \(peer closed\): %2 bytes)"_s.arg(busy).arg(
                     bulk.size()))),
             receiver.describe());
    polling.closeWriteChannel();
    QVERIFY(finishOrKill(polling, 30000));
    const QList<QByteArray> counts = polling.readAllStandardOutput().trimmed().split(' ');
    const QByteArray pollErrors = polling.readAllStandardError();
    QVERIFY2(counts.size() == 2 && counts[0].toInt() > 0 && counts[1].toInt() == 0,
             qPrintable(u"polls ok/failed: "_s + QString::fromUtf8(counts.join(' ')) + u"\n"_s +
                        QString::fromUtf8(pollErrors)));

    // The silent client: dropped by then, or within its 15 s.
    bool dropped = silent.state() == QAbstractSocket::UnconnectedState;
    while (!dropped && !silentDeadline.hasExpired()) {
        silent.waitForReadyRead(100);
        silent.readAll();
        dropped = silent.state() == QAbstractSocket::UnconnectedState;
    }
    QVERIFY2(dropped, "a client that sent nothing was still connected after 15 s");

    QVERIFY(holder.finish());
    const QByteArray stop = receiver.stopProblem(0);
    QVERIFY2(stop.isEmpty(), stop.constData());
    QStringList problems;
    const QList<QJsonObject> manifest = readManifest(tmp.filePath(u"out"_s), &problems);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    const QList<QJsonObject> busyFiles = manifestFiles(manifest, busy);
    QCOMPARE(busyFiles.size(), 1);
    QCOMPARE(TestSupport::sha256(concatenated(tmp.filePath(u"out"_s), busyFiles)),
             TestSupport::sha256(bulk));
    QCOMPARE(
        TestSupport::sha256(concatenated(tmp.filePath(u"out"_s), manifestFiles(manifest, sent))),
        TestSupport::sha256(data));
}

// 2b. The same /metrics read by the reference parser, Debian's python3-prometheus-client.
void TestObservability::metricsParsedByPrometheusClient()
{
    const QString python = systemPython();
    const Run probe = runProcess(python, {u"-c"_s, u"import prometheus_client.parser"_s});
    if (!probe.finished || probe.exitCode != 0) {
        qWarning("%s: %s", qPrintable(python), probe.err.trimmed().constData());
        QSKIP("Debian's python3 has no prometheus_client (apt-get install "
              "python3-prometheus-client); /metrics is still read by the test's strict parser");
    }

    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QList<quint16> ports = TestSupport::freePorts(3);
    const quint16 status = ports[2];
    Receiver receiver(tmp.path(), baseArguments(u"%1,%2"_s.arg(ports[0]).arg(ports[1]), u"out"_s) +
                                      QStringList{u"--status"_s, u"127.0.0.1:%1"_s.arg(status),
                                                  u"--stats-interval"_s, u"0"_s});
    QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
    const QByteArray data = TestSupport::patternData(20, 123457);
    const auto sendError = TestSupport::sendAll(ports[0], data);
    QVERIFY2(!sendError, qPrintable(sendError.value_or(QString())));

    static const QString script = uR"(import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = {}
for f in text_string_to_metric_families(sys.stdin.read()):
    out[f.name] = {'type': f.type, 'documentation': f.documentation,
                   'samples': [[s.name, s.labels, s.value] for s in f.samples]}
print(json.dumps(out))
)"_s;
    QJsonObject families;
    QByteArray text;
    QDeadlineTimer deadline(lineTimeoutMs);
    for (;;) {
        const HttpResult r = curl(status, u"/metrics"_s);
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
        QCOMPARE(r.status, 200);
        text = r.body;
        const Run parsed = runProcess(python, {u"-c"_s, script}, text);
        QVERIFY2(
            parsed.finished && parsed.exitCode == 0,
            qPrintable(parsed.describe(u"prometheus_client on:\n"_s + QString::fromUtf8(text))));
        families = QJsonDocument::fromJson(parsed.out).object();
        double received = -1;
        for (const QJsonValue &s :
             families.value(u"capture_received_bytes"_s).toObject().value(u"samples"_s).toArray()) {
            const QJsonArray a = s.toArray();
            if (a[0].toString() == u"capture_received_bytes_total" &&
                a[1].toObject().value(u"port"_s).toString() == QString::number(ports[0]))
                received = a[2].toDouble();
        }
        if (received == double(data.size()))
            break;
        QVERIFY2(!deadline.hasExpired(),
                 qPrintable(u"capture_received_bytes_total never reached %1:\n"_s.arg(data.size()) +
                            QString::fromUtf8(text)));
        QTest::qWait(100);
    }
    // prometheus_client names a counter's family without its _total.
    const QHash<QString, QString> expected{{u"capture_up"_s, u"gauge"_s},
                                           {u"capture_received_bytes"_s, u"counter"_s},
                                           {u"capture_connections_active"_s, u"gauge"_s},
                                           {u"capture_connections"_s, u"counter"_s},
                                           {u"capture_files_closed"_s, u"counter"_s},
                                           {u"capture_write_errors"_s, u"counter"_s}};
    for (auto it = expected.cbegin(); it != expected.cend(); ++it) {
        const QJsonObject f = families.value(it.key()).toObject();
        QVERIFY2(f.value(u"type"_s).toString() == it.value() &&
                     !f.value(u"documentation"_s).toString().isEmpty(),
                 qPrintable(it.key() + u": "_s + QString::fromUtf8(compactJson(families))));
    }
    QCOMPARE(
        families.value(u"capture_received_bytes"_s).toObject().value(u"samples"_s).toArray().size(),
        2);
    QCOMPARE(families.value(u"capture_up"_s)
                 .toObject()
                 .value(u"samples"_s)
                 .toArray()
                 .first()
                 .toArray()
                 .at(2)
                 .toDouble(),
             1.0);
    const MetricsCheck strict = checkMetricsStrictly(text);
    QVERIFY2(strict.problems.isEmpty(), qPrintable(strict.problems.join(u'\n')));
    const QByteArray stop = receiver.stopProblem(0);
    QVERIFY2(stop.isEmpty(), stop.constData());
}

// 2b'. The strict reading used above is no rubber stamp: it rejects what it must.
// Port scans, health checks, nc -z: a connection that closes without sending a byte leaves no
// file, no manifest line and no info line in the log; it is counted as connections_empty.
void TestObservability::emptyConnectionsMakeNoFile()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString eventsPath = tmp.filePath(u"events.jsonl"_s);
    const QList<quint16> ports = TestSupport::freePorts(3);
    const quint16 port = ports[0];
    const quint16 other = ports[1]; // split by port: nothing but empty connections
    const quint16 status = ports[2];
    const QString out = tmp.filePath(u"out"_s);
    QList<QJsonObject> events;
    {
        Receiver receiver(tmp.path(), baseArguments(u"%1,%2"_s.arg(port).arg(other), out) +
                                          QStringList{u"--split"_s, u"connection"_s, u"--status"_s,
                                                      QString::number(status), u"--events"_s,
                                                      eventsPath, u"--stats-interval"_s, u"0"_s});
        QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
        QVERIFY2(receiver.waitForLine(u"status: http://127.0.0.1:%1/status"_s.arg(status)),
                 receiver.describe());

        // nc -z (connect, close), twice; python3 connects and closes once more on each port.
        for (const quint16 p : {port, port, other}) {
            const Run nc = runProcess(u"nc"_s, {u"-z"_s, u"127.0.0.1"_s, QString::number(p)});
            QVERIFY2(nc.finished && nc.exitCode == 0, qPrintable(nc.describe(u"nc -z"_s)));
        }
        const Run py = runProcess(
            systemPython(),
            {u"-c"_s,
             u"import socket, sys\n"
             "for p in sys.argv[1:]: socket.create_connection(('127.0.0.1', int(p))).close()"_s,
             QString::number(port), QString::number(other)});
        QVERIFY2(py.finished && py.exitCode == 0, qPrintable(py.describe(u"python3"_s)));
        // One connection with data.
        const QByteArray data = TestSupport::patternData(5, 10 * KiB + 1);
        const auto sendError = TestSupport::sendAll(port, data);
        QVERIFY2(!sendError, qPrintable(sendError.value_or(QString())));

        // /status counts them (per port and in total) once the snapshot caught up.
        QJsonObject st;
        QDeadlineTimer deadline(lineTimeoutMs);
        for (;;) {
            const HttpResult r = curl(status, u"/status"_s);
            QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
            st = QJsonDocument::fromJson(r.body).object();
            const QJsonArray p = st.value(u"ports"_s).toArray();
            if (entryForPort(p, port).value(u"bytes"_s).toInteger() == data.size() &&
                entryForPort(p, port).value(u"connections_empty"_s).toInteger() == 3 &&
                entryForPort(p, other).value(u"connections_empty"_s).toInteger() == 2)
                break;
            QVERIFY2(!deadline.hasExpired(), r.body.constData());
            QTest::qWait(100);
        }
        QCOMPARE(st.value(u"totals"_s).toObject().value(u"connections_empty"_s).toInteger(), 5);
        const HttpResult r = curl(status, u"/metrics"_s);
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
        const MetricsCheck metrics = checkMetricsStrictly(r.body);
        QVERIFY2(metrics.problems.isEmpty(), qPrintable(metrics.problems.join(u'\n')));
        QCOMPARE(metrics.types.value(u"capture_connections_empty_total"_s), u"counter"_s);
        QCOMPARE(metrics.samples.value(portKey(u"capture_connections_empty_total"_s, port), -1),
                 3.0);
        QCOMPARE(metrics.samples.value(portKey(u"capture_connections_empty_total"_s, other), -1),
                 2.0);

        QVERIFY2(receiver.stopWithSigterm(), receiver.describe());
        // Only the connection that sent something is in the log at info level.
        QCOMPARE(receiver.linesMatching(QRegularExpression(u"connection from .* opened"_s)).size(),
                 1);
        QVERIFY2(
            receiver.hasLine(u"final: port %1: 1 file(s), 4 connection(s) (3 empty)"_s.arg(port)),
            receiver.describe());
        QVERIFY2(
            receiver.hasLine(u"final: port %1: 0 file(s), 2 connection(s) (2 empty)"_s.arg(other)),
            receiver.describe());
    }

    // One file, one manifest line: the empty connections left nothing behind.
    const QStringList files = QDir(out).entryList(QDir::Files);
    QCOMPARE(files.size(), 2);
    QVERIFY2(files.contains(u"manifest.jsonl"_s), qPrintable(files.join(u", "_s)));
    int fileLines = 0;
    for (const QByteArray &line :
         TestSupport::readFile(QDir(out).filePath(u"manifest.jsonl"_s)).split('\n')) {
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        fileLines += o.value(u"type"_s).toString() == u"file"_s;
    }
    QCOMPARE(fileLines, 1);

    // The events: the last stats and the stopped event carry the count.
    const JsonLines parsed = parseJsonLines(TestSupport::readFile(eventsPath));
    const QList<QJsonObject> stats = eventsOf(parsed.objects, u"stats"_s);
    QVERIFY(!stats.isEmpty());
    QCOMPARE(stats.last().value(u"total"_s).toObject().value(u"connections_empty"_s).toInteger(),
             5);
    QCOMPARE(entryForPort(stats.last().value(u"ports"_s).toArray(), port)
                 .value(u"connections_empty"_s)
                 .toInteger(),
             3);
    const QList<QJsonObject> stopped = eventsOf(parsed.objects, u"stopped"_s);
    QCOMPARE(stopped.size(), 1);
    QCOMPARE(entryForPort(stopped.first().value(u"ports"_s).toArray(), other)
                 .value(u"connections_empty"_s)
                 .toInteger(),
             2);
}

void TestObservability::strictMetricsReading_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("valid");
    const QByteArray good = "# HELP a_total A.\n# TYPE a_total counter\na_total{port=\"1\"} 5\n"
                            "a_total{port=\"2\"} 6\n# HELP b B.\n# TYPE b gauge\nb 1.5\n";
    QTest::newRow("good") << good << true;
    QTest::newRow("escaped label")
        << QByteArray("# HELP c C.\n# TYPE c gauge\nc{x=\"a\\\"b\\\\\",y=\"\"} 1\n") << true;
    QTest::newRow("no HELP") << QByteArray("# TYPE b gauge\nb 1\n") << false;
    QTest::newRow("no TYPE") << QByteArray("# HELP b B.\nb 1\n") << false;
    QTest::newRow("TYPE after sample") << QByteArray("# HELP b B.\nb 1\n# TYPE b gauge\n") << false;
    QTest::newRow("counter without _total")
        << QByteArray("# HELP a A.\n# TYPE a counter\na 1\n") << false;
    QTest::newRow("bad name") << QByteArray("# HELP 1a A.\n# TYPE 1a gauge\n1a 1\n") << false;
    QTest::newRow("value not a number")
        << QByteArray("# HELP b B.\n# TYPE b gauge\nb one\n") << false;
    QTest::newRow("no value") << QByteArray("# HELP b B.\n# TYPE b gauge\nb\n") << false;
    QTest::newRow("not contiguous") << good + "a_total{port=\"3\"} 7\n" << false;
    QTest::newRow("duplicate series") << good + "b 2\n" << false;
    QTest::newRow("unterminated label")
        << QByteArray("# HELP b B.\n# TYPE b gauge\nb{port=\"1} 1\n") << false;
    QTest::newRow("no final newline") << good.chopped(1) << false;
    QTest::newRow("empty") << QByteArray() << false;
}

void TestObservability::strictMetricsReading()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, valid);
    const MetricsCheck check = checkMetricsStrictly(text);
    QVERIFY2(check.problems.isEmpty() == valid,
             qPrintable(u"problems: "_s + check.problems.join(u"; "_s)));
}

// 2c. --status that cannot be served: in use (exit 1), a capture port or nonsense (exit 2).
void TestObservability::statusStartupErrors_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("expectedExit");
    QTest::newRow("in use") << u"in use"_s << 1;
    QTest::newRow("capture port") << u"capture port"_s << 2;
    QTest::newRow("nonsense") << u"nonsense"_s << 2;
}

void TestObservability::statusStartupErrors()
{
    QFETCH(QString, kind);
    QFETCH(int, expectedExit);
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QList<quint16> ports = TestSupport::freePorts(2);
    QTcpServer blocker;
    QString value;
    QString named;
    if (kind == u"in use") {
        QVERIFY2(blocker.listen(QHostAddress::LocalHost, ports[1]),
                 qPrintable(blocker.errorString()));
        value = QString::number(ports[1]);
        named = u"127.0.0.1:%1"_s.arg(ports[1]);
    } else if (kind == u"capture port") {
        value = QString::number(ports[0]);
        named = QString::number(ports[0]);
    } else {
        value = u"nonsense"_s;
        named = u"'nonsense'"_s;
    }
    Receiver receiver(tmp.path(), baseArguments(QString::number(ports[0]), u"out"_s) +
                                      QStringList{u"--status"_s, value});
    QVERIFY2(receiver.start(), receiver.describe());
    QVERIFY2(receiver.waitForExit(), receiver.describe());
    QVERIFY2(receiver.exitedNormally() && receiver.exitCode() == expectedExit, receiver.describe());
    const QStringList err = errLines(receiver.stdErr());
    if (expectedExit == 2)
        QVERIFY2(err.size() == 1 && err.first().contains(named) &&
                     err.first().contains(u"--status"_s),
                 receiver.describe());
    else
        QVERIFY2(err.size() == 1 && err.first().contains(named), receiver.describe());
    QVERIFY2(!receiver.hasLine(u"listening on"_s), receiver.describe());
    QVERIFY2(allEntries(tmp.path()).isEmpty(),
             qPrintable(u"created: "_s + allEntries(tmp.path()).join(u", "_s)));
    QTcpServer again; // the capture port is free again
    QVERIFY2(again.listen(QHostAddress::LocalHost, ports[0]), qPrintable(again.errorString()));
}

// 2d. 64 silent connections (the server's client limit) do not keep /healthz from a probe:
// the one idle longest is dropped for it.
void TestObservability::healthzPastSilentClients()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QList<quint16> ports = TestSupport::freePorts(2);
    const quint16 status = ports[1];
    Receiver receiver(tmp.path(), baseArguments(QString::number(ports[0]), u"out"_s) +
                                      QStringList{u"--status"_s, QString::number(status)});
    QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
    QVERIFY2(receiver.waitForLine(u"status: http://127.0.0.1:%1/status"_s.arg(status)),
             receiver.describe());
    static const QString silent = uR"(import socket, sys
held = [socket.create_connection(('127.0.0.1', int(sys.argv[1]))) for _ in range(64)]
print(len(held), flush=True)
sys.stdin.readline()
)"_s;
    QProcess holder;
    holder.setProcessEnvironment(headlessEnvironment());
    holder.start(u"python3"_s, {u"-c"_s, silent, QString::number(status)});
    QVERIFY2(holder.waitForReadyRead(30000), holder.readAllStandardError().constData());
    QCOMPARE(holder.readLine().trimmed(), "64"_ba);
    // Accepted in order, so the server has all 64 when curl's connection comes.
    const HttpResult r = curl(status, u"/healthz"_s);
    holder.closeWriteChannel();
    QVERIFY(finishOrKill(holder, 30000));
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body.trimmed(), QByteArray("ok"));
    const QByteArray stop = receiver.stopProblem(0);
    QVERIFY2(stop.isEmpty(), stop.constData());
}

// 3. The manifest of a capture, and verify on it: intact, a flipped byte, a missing file, a
// line that is not JSON.
void TestObservability::verifyAfterCapture()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString out = tmp.filePath(u"out"_s);
    const QList<quint16> ports = TestSupport::freePorts(2);
    const quint16 one = ports[0];
    const quint16 two = ports[1];
    Receiver receiver(tmp.path(), baseArguments(u"%1,%2"_s.arg(one).arg(two), u"out"_s) +
                                      QStringList{u"--stats-interval"_s, u"0"_s});
    QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
    const QByteArray a = TestSupport::patternData(30, 300 * KiB);
    const QByteArray b1 = TestSupport::patternData(31, 100 * KiB);
    const QByteArray b2 = TestSupport::patternData(32, 50 * KiB + 3);
    for (const auto &[port, data] : {std::pair{one, a}, std::pair{two, b1}, std::pair{two, b2}}) {
        const auto sendError = TestSupport::sendAll(port, data);
        QVERIFY2(!sendError, qPrintable(sendError.value_or(QString())));
        QVERIFY2(
            receiver.waitForLine(QRegularExpression(
                uR"(port %1: connection from .* closed \(peer closed\): %2 bytes)"_s.arg(port).arg(
                    data.size()))),
            receiver.describe());
    }
    const QByteArray stop = receiver.stopProblem(0);
    QVERIFY2(stop.isEmpty(), stop.constData());

    // The manifest.
    QStringList problems;
    const QList<QJsonObject> manifest = readManifest(out, &problems);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    const QList<QJsonObject> files = manifestFiles(manifest);
    QCOMPARE(files.size(), 2);
    // The run's record: a start line (version, host, pid, settings) and a stop line.
    QList<QJsonObject> runs;
    for (const QJsonObject &o : manifest) {
        if (o.value(u"type"_s).toString() == u"run"_s)
            runs.append(o);
    }
    QCOMPARE(manifest.size(), 4);
    QCOMPARE(runs.size(), 2);
    QCOMPARE(runs[0].value(u"event"_s).toString(), u"start"_s);
    QCOMPARE(runs[1].value(u"event"_s).toString(), u"stop"_s);
    QCOMPARE(runs[0].value(u"run"_s).toString(), runs[1].value(u"run"_s).toString());
    QVERIFY(runs[0].value(u"pid"_s).toInteger() > 0);
    QVERIFY(!runs[0].value(u"version"_s).toString().isEmpty());
    QVERIFY(!runs[0].value(u"host"_s).toString().isEmpty());
    QCOMPARE(runs[0].value(u"settings"_s).toObject().value(u"split"_s).toString(), u"port"_s);
    QVERIFY(isIsoTime(runs[0].value(u"time"_s)) && isIsoTime(runs[1].value(u"time"_s)));
    QCOMPARE(runs[1].value(u"bytes_written"_s).toInteger(),
             files[0].value(u"bytes"_s).toInteger() + files[1].value(u"bytes"_s).toInteger());
    for (const QJsonObject &f : files) {
        const QStringList p = fileEntryProblems(f);
        QVERIFY2(p.isEmpty(), qPrintable(p.join(u'\n')));
        const QString path = QDir(out).filePath(f.value(u"file"_s).toString());
        QCOMPARE(f.value(u"split"_s).toString(), u"port"_s);
        QCOMPARE(QFileInfo(path).size(), f.value(u"bytes"_s).toInteger());
        QCOMPARE(TestSupport::fileXxh128(path), f.value(u"xxh128"_s).toString().toLatin1());
    }
    const QJsonObject fileTwo = manifestFiles(manifest, two).value(0);
    QCOMPARE(fileTwo.value(u"bytes"_s).toInteger(), b1.size() + b2.size());
    const QJsonArray conns = fileTwo.value(u"connections"_s).toArray();
    QCOMPARE(conns.size(), 2);
    QCOMPARE(conns[0].toObject().value(u"offset"_s).toInteger(), 0);
    QCOMPARE(conns[0].toObject().value(u"bytes"_s).toInteger(), b1.size());
    QCOMPARE(conns[0].toObject().value(u"close_reason"_s).toString(), u"peer closed"_s);
    QCOMPARE(conns[1].toObject().value(u"offset"_s).toInteger(), b1.size());
    QCOMPARE(conns[1].toObject().value(u"bytes"_s).toInteger(), b2.size());
    QVERIFY(!conns[0].toObject().contains(u"interleaved"_s));
    QVERIFY(conns[0].toObject().value(u"id"_s) != conns[1].toObject().value(u"id"_s));
    const QString nameOne = manifestFiles(manifest, one).value(0).value(u"file"_s).toString();
    const QString nameTwo = fileTwo.value(u"file"_s).toString();

    // Intact.
    Run run = verify({out});
    QVERIFY2(run.finished && run.exitCode == 0, qPrintable(run.describe(u"verify"_s)));
    QStringList lines = outLines(run);
    QCOMPARE(linesStartingWith(lines, u"OK"_s).size(), 2);
    QVERIFY2(lines.last() == u"verify: 2 file(s): 2 OK, 0 MISMATCH, 0 MISSING, 0 DELETED"_s,
             qPrintable(run.describe(u"verify"_s)));

    // One byte flipped.
    const QString pathOne = QDir(out).filePath(nameOne);
    {
        QFile f(pathOne);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.seek(12345));
        char c = 0;
        QVERIFY(f.getChar(&c));
        QVERIFY(f.seek(12345));
        QVERIFY(f.putChar(char(c ^ 0x01)));
    }
    run = verify({out});
    QVERIFY2(run.finished && run.exitCode == 1, qPrintable(run.describe(u"verify"_s)));
    lines = outLines(run);
    QVERIFY2(linesStartingWith(lines, u"MISMATCH"_s).size() == 1 &&
                 linesStartingWith(lines, u"MISMATCH"_s).first().contains(nameOne),
             qPrintable(run.describe(u"verify"_s)));
    QVERIFY2(linesStartingWith(lines, u"OK"_s).size() == 1, qPrintable(run.describe(u"verify"_s)));
    QVERIFY(writeDataFile(pathOne, a)); // repaired

    // One file gone.
    const QString pathTwo = QDir(out).filePath(nameTwo);
    QVERIFY(QFile::remove(pathTwo));
    run = verify({out});
    QVERIFY2(run.finished && run.exitCode == 1, qPrintable(run.describe(u"verify"_s)));
    lines = outLines(run);
    QVERIFY2(linesStartingWith(lines, u"MISSING"_s).size() == 1 &&
                 linesStartingWith(lines, u"MISSING"_s).first().contains(nameTwo),
             qPrintable(run.describe(u"verify"_s)));
    QVERIFY(writeDataFile(pathTwo, b1 + b2)); // back
    run = verify({out});
    QVERIFY2(run.finished && run.exitCode == 0, qPrintable(run.describe(u"verify"_s)));

    // A manifest line that is not JSON.
    {
        QFile m(QDir(out).filePath(u"manifest.jsonl"_s));
        QVERIFY(m.open(QIODevice::Append));
        QVERIFY(m.write("this is not json\n") > 0);
    }
    run = verify({out});
    QVERIFY2(run.finished && run.exitCode == 1, qPrintable(run.describe(u"verify"_s)));
    lines = outLines(run);
    QVERIFY2(linesStartingWith(lines, u"INVALID"_s).size() == 1,
             qPrintable(run.describe(u"verify"_s)));
    QVERIFY2(linesStartingWith(lines, u"OK"_s).size() == 2, qPrintable(run.describe(u"verify"_s)));
}

// 3b. Files deleted by --max-files are DELETED in verify, which still passes.
void TestObservability::verifyWithMaxFilesDeletions()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString out = tmp.filePath(u"out"_s);
    const quint16 port = TestSupport::freePort();
    Receiver receiver(tmp.path(), baseArguments(QString::number(port), u"out"_s) +
                                      QStringList{u"--stats-interval"_s, u"0"_s, u"--rotate-size"_s,
                                                  u"64K"_s, u"--max-files"_s, u"2"_s});
    QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
    const QByteArray data = TestSupport::patternData(40, 300 * KiB); // 64 K x 4 + 44 K
    const auto sendError = TestSupport::sendAll(port, data);
    QVERIFY2(!sendError, qPrintable(sendError.value_or(QString())));
    QVERIFY2(receiver.waitForLine(u"closed (peer closed): %1 bytes"_s.arg(data.size())),
             receiver.describe());
    const QByteArray stop = receiver.stopProblem(0);
    QVERIFY2(stop.isEmpty(), stop.constData());

    QStringList problems;
    const QList<QJsonObject> manifest = readManifest(out, &problems);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    QCOMPARE(manifestFiles(manifest).size(), 5);
    int deletions = 0;
    for (const QJsonObject &o : manifest) {
        if (o.value(u"type"_s).toString() != u"deleted")
            continue;
        ++deletions;
        QCOMPARE(o.value(u"port"_s).toInt(), int(port));
        QCOMPARE(o.value(u"reason"_s).toString(), u"max-files 2"_s);
        QVERIFY2(isIsoTime(o.value(u"deleted"_s)), compactJson(o).constData());
        QVERIFY2(!QFileInfo::exists(QDir(out).filePath(o.value(u"file"_s).toString())),
                 compactJson(o).constData());
    }
    QCOMPARE(deletions, 3);

    const Run run = verify({out});
    QVERIFY2(run.finished && run.exitCode == 0, qPrintable(run.describe(u"verify"_s)));
    const QStringList lines = outLines(run);
    QCOMPARE(linesStartingWith(lines, u"DELETED"_s).size(), 3);
    QCOMPARE(linesStartingWith(lines, u"OK"_s).size(), 2);
    QVERIFY2(lines.last() == u"verify: 5 file(s): 2 OK, 0 MISMATCH, 0 MISSING, 3 DELETED"_s,
             qPrintable(run.describe(u"verify"_s)));
}

// 3c. verify without a manifest or without DIR: exit 2.
void TestObservability::verifyUsageErrors()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    Run run = verify({tmp.path()});
    QVERIFY2(run.finished && run.exitCode == 2,
             qPrintable(run.describe(u"verify (no manifest)"_s)));
    QVERIFY2(run.err.contains("manifest.jsonl"), qPrintable(run.describe(u"verify"_s)));
    run = verify({});
    QVERIFY2(run.finished && run.exitCode == 2, qPrintable(run.describe(u"verify (no DIR)"_s)));
    QVERIFY2(run.err.contains("verify DIR"), qPrintable(run.describe(u"verify"_s)));
    run = verify({tmp.filePath(u"does-not-exist"_s)});
    QVERIFY2(run.finished && run.exitCode == 2,
             qPrintable(run.describe(u"verify (no such DIR)"_s)));
}

// 4. --rotate-size 1M, 3.5 MiB on one connection: 1M, 1M, 1M, 0.5M in manifest order.
void TestObservability::rotateBySize()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString out = tmp.filePath(u"out"_s);
    const quint16 port = TestSupport::freePort();
    Receiver receiver(tmp.path(),
                      baseArguments(QString::number(port), u"out"_s) +
                          QStringList{u"--stats-interval"_s, u"0"_s, u"--rotate-size"_s, u"1M"_s});
    QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
    const QByteArray data = TestSupport::patternData(50, 3 * MiB + MiB / 2);
    QVERIFY(writeDataFile(tmp.filePath(u"data.bin"_s), data));
    const QString error = socatSend(tmp.path(), u"data.bin"_s, port);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY2(receiver.waitForLine(u"closed (peer closed): %1 bytes"_s.arg(data.size())),
             receiver.describe());
    const QByteArray stop = receiver.stopProblem(0);
    QVERIFY2(stop.isEmpty(), stop.constData());

    QStringList problems;
    const QList<QJsonObject> manifest = readManifest(out, &problems);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    const QList<QJsonObject> files = manifestFiles(manifest);
    QCOMPARE(files.size(), 4);
    QCOMPARE(QDir(out).entryList({u"stream_*"_s}, QDir::Files).size(), 4);
    const QList<qint64> sizes{MiB, MiB, MiB, MiB / 2};
    for (int i = 0; i < 4; ++i) {
        const QJsonObject f = files[i];
        const QStringList p = fileEntryProblems(f);
        QVERIFY2(p.isEmpty(), qPrintable(p.join(u'\n')));
        QCOMPARE(f.value(u"bytes"_s).toInteger(), sizes[i]);
        QCOMPARE(QFileInfo(QDir(out).filePath(f.value(u"file"_s).toString())).size(), sizes[i]);
        if (i < 3)
            QCOMPARE(f.value(u"close_reason"_s).toString(), u"rotation (size)"_s);
        const QJsonArray conns = f.value(u"connections"_s).toArray();
        QCOMPARE(conns.size(), 1);
        QCOMPARE(conns[0].toObject().value(u"bytes"_s).toInteger(), sizes[i]);
        QCOMPARE(conns[0].toObject().value(u"id"_s),
                 files[0].value(u"connections"_s).toArray()[0].toObject().value(u"id"_s));
        // The connection goes on in the next file: not closed until the last one.
        QCOMPARE(conns[0].toObject().value(u"closed"_s).isNull(), i < 3);
    }
    QCOMPARE(TestSupport::sha256(concatenated(out, files)), TestSupport::sha256(data));
    const Run run = verify({out});
    QVERIFY2(run.finished && run.exitCode == 0, qPrintable(run.describe(u"verify"_s)));
}

// 4b. --rotate-interval 2s with a sender that sends for about 5 s.
void TestObservability::rotateByInterval()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString out = tmp.filePath(u"out"_s);
    const quint16 port = TestSupport::freePort();
    Receiver receiver(tmp.path(), baseArguments(QString::number(port), u"out"_s) +
                                      QStringList{u"--stats-interval"_s, u"0"_s,
                                                  u"--rotate-interval"_s, u"2s"_s});
    QVERIFY2(receiver.startAndWaitUntilRecording(), receiver.describe());
    const QByteArray data = TestSupport::patternData(60, 1 * MiB);
    QVERIFY(writeDataFile(tmp.filePath(u"data.bin"_s), data));
    static const QString sender = uR"(import socket, sys, time
data = open(sys.argv[2], 'rb').read()
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
n = 50
step = (len(data) + n - 1) // n
for i in range(n):
    s.sendall(data[i * step:(i + 1) * step])
    time.sleep(0.1)
s.close()
)"_s;
    const QString error = runClient(tmp.path(), u"python3"_s,
                                    {u"-c"_s, sender, QString::number(port), u"data.bin"_s});
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY2(receiver.waitForLine(u"closed (peer closed): %1 bytes"_s.arg(data.size())),
             receiver.describe());
    const QByteArray stop = receiver.stopProblem(0);
    QVERIFY2(stop.isEmpty(), stop.constData());

    QStringList problems;
    const QList<QJsonObject> manifest = readManifest(out, &problems);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    const QList<QJsonObject> files = manifestFiles(manifest);
    QVERIFY2(files.size() >= 2,
             TestSupport::readFile(QDir(out).filePath(u"manifest.jsonl"_s)).constData());
    for (qsizetype i = 0; i < files.size(); ++i) {
        const QStringList p = fileEntryProblems(files[i]);
        QVERIFY2(p.isEmpty(), qPrintable(p.join(u'\n')));
        if (i + 1 < files.size())
            QCOMPARE(files[i].value(u"close_reason"_s).toString(), u"rotation (interval)"_s);
        QCOMPARE(TestSupport::fileXxh128(QDir(out).filePath(files[i].value(u"file"_s).toString())),
                 files[i].value(u"xxh128"_s).toString().toLatin1());
    }
    QCOMPARE(TestSupport::sha256(concatenated(out, files)), TestSupport::sha256(data));
}

// 4c. Bad values for the new options: exit 2, one line naming the value, nothing created.
void TestObservability::badValues_data()
{
    QTest::addColumn<QString>("option");
    QTest::addColumn<QString>("value");
    QTest::newRow("--rotate-size 0") << u"--rotate-size"_s << u"0"_s;
    QTest::newRow("--rotate-size 1.5G") << u"--rotate-size"_s << u"1.5G"_s;
    QTest::newRow("--rotate-size 10X") << u"--rotate-size"_s << u"10X"_s;
    QTest::newRow("--rotate-interval 0") << u"--rotate-interval"_s << u"0"_s;
    QTest::newRow("--rotate-interval 5x") << u"--rotate-interval"_s << u"5x"_s;
    QTest::newRow("--max-files 0") << u"--max-files"_s << u"0"_s;
    QTest::newRow("--hash md5") << u"--hash"_s << u"md5"_s;
}

void TestObservability::badValues()
{
    QFETCH(QString, option);
    QFETCH(QString, value);
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    Receiver receiver(tmp.path(),
                      baseArguments(QString::number(TestSupport::freePort()), u"out"_s) +
                          QStringList{option, value});
    QVERIFY2(receiver.start(), receiver.describe());
    QVERIFY2(receiver.waitForExit(), receiver.describe());
    QVERIFY2(receiver.exitedNormally() && receiver.exitCode() == 2, receiver.describe());
    const QStringList err = errLines(receiver.stdErr());
    QVERIFY2(err.size() == 1 && err.first().contains(option) &&
                 err.first().contains(u'\'' + value + u'\''),
             receiver.describe());
    QVERIFY2(allEntries(tmp.path()).isEmpty(),
             qPrintable(u"created: "_s + allEntries(tmp.path()).join(u", "_s)));
}

QTEST_GUILESS_MAIN(TestObservability)
#include "tst_observability.moc"
