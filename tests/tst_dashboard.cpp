// The web dashboard on the --status port of the real binary, over a real socket: the page, its
// script, style and icon with their types and the security headers (the Content-Security-Policy
// exactly), bodies equal to resources/dashboard, nothing inline or from elsewhere in them, and 404
// for anything else. What the page does in a browser: tests/dashboard_browser.py.

#include "core/observe/dashboard.h"
#include "receiverprocess.h"
#include "testsupport.h"

#include <QHash>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::Literals::StringLiterals;
using namespace TestSupport;

namespace {

const QByteArray csp = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src "
                       "'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
                       "frame-ancestors 'none'";

struct Answer
{
    QString error; ///< why there is no answer
    int status = 0;
    QMultiHash<QByteArray, QByteArray> headers; ///< names lower-cased
    QByteArray body;

    QByteArray header(const QByteArray &name) const { return headers.value(name); }
};

/// One request on its own connection (Connection: close), read until the server closes it.
Answer exchange(quint16 port, const QByteArray &method, const QByteArray &path)
{
    Answer answer;
    QTcpSocket socket;
    socket.connectToHost(u"127.0.0.1"_s, port);
    if (!socket.waitForConnected(10000)) {
        answer.error = u"cannot connect: "_s + socket.errorString();
        return answer;
    }
    socket.write(method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    QByteArray raw;
    QDeadlineTimer deadline(15000);
    while (socket.state() == QAbstractSocket::ConnectedState && !deadline.hasExpired()) {
        socket.waitForReadyRead(50);
        raw += socket.readAll();
    }
    raw += socket.readAll();
    const qsizetype end = raw.indexOf("\r\n\r\n");
    if (end < 0) {
        answer.error = u"no complete answer: "_s + QString::fromLatin1(raw.left(200));
        return answer;
    }
    const QList<QByteArray> lines = raw.left(end).split('\n');
    const QList<QByteArray> statusLine = lines.first().trimmed().split(' ');
    answer.status = statusLine.value(1).toInt();
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines[i].indexOf(':');
        if (colon > 0)
            answer.headers.insert(lines[i].left(colon).trimmed().toLower(),
                                  lines[i].mid(colon + 1).trimmed());
    }
    answer.body = raw.mid(end + 4);
    return answer;
}

QByteArray sourceFile(const QString &name)
{
    return readFile(QStringLiteral(CAPTURE_SOURCE_DIR) + u"/resources/"_s + name);
}

} // namespace

class TestDashboard : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(QFileInfo(receiverBinary()).isExecutable(), qPrintable(receiverBinary()));
        const QList<quint16> ports = freePorts(2);
        m_statusPort = ports[1];
        m_receiver = std::make_unique<Receiver>(
            m_dir.path(), QStringList{u"--nogui"_s, u"-b"_s, u"127.0.0.1"_s, u"-p"_s,
                                      QString::number(ports[0]), u"-o"_s, m_dir.filePath(u"out"_s),
                                      u"--status"_s, QString::number(m_statusPort)});
        QVERIFY2(m_receiver->startAndWaitUntilRecording(), m_receiver->describe());
    }

    void cleanupTestCase()
    {
        if (m_receiver) {
            const QByteArray stop = m_receiver->stopProblem();
            QVERIFY2(stop.isEmpty(), stop.constData());
        }
    }

    // Without a server: only GET and HEAD of the dashboard's own paths.
    void servesOnlyItsPaths()
    {
        const auto request = [](const QByteArray &method, const QByteArray &path) {
            capture::HttpRequest r;
            r.method = method;
            r.target = path;
            r.path = path;
            return r;
        };
        QVERIFY(capture::serveDashboard(request("GET", "/")));
        QVERIFY(capture::serveDashboard(request("HEAD", "/app.js")));
        QVERIFY(!capture::serveDashboard(request("POST", "/")));
        QVERIFY(!capture::serveDashboard(request("GET", "/status")));
        QVERIFY(!capture::serveDashboard(request("GET", "/index.html")));
        QVERIFY(!capture::serveDashboard(request("GET", "/app.js/")));
        QCOMPARE(QByteArray(capture::dashboardContentSecurityPolicy), csp);
    }

    void files_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<QString>("source");
        QTest::newRow("page") << "/"_ba
                              << "text/html; charset=utf-8"_ba << u"dashboard/index.html"_s;
        QTest::newRow("script") << "/app.js"_ba
                                << "text/javascript; charset=utf-8"_ba << u"dashboard/app.js"_s;
        QTest::newRow("style") << "/app.css"_ba
                               << "text/css; charset=utf-8"_ba << u"dashboard/app.css"_s;
        QTest::newRow("icon") << "/favicon.svg"_ba
                              << "image/svg+xml"_ba << u"capture-receiver.svg"_s;
    }

    // Each file: 200, its type, the security headers, its source's bytes; HEAD: the head only.
    void files()
    {
        QFETCH(QByteArray, path);
        QFETCH(QByteArray, contentType);
        QFETCH(QString, source);
        const QByteArray expected = sourceFile(source);
        QVERIFY2(!expected.isEmpty(), qPrintable(source));
        const Answer get = exchange(m_statusPort, "GET", path);
        QVERIFY2(get.error.isEmpty(), qPrintable(get.error));
        QCOMPARE(get.status, 200);
        QCOMPARE(get.header("content-type"), contentType);
        QCOMPARE(get.headers.values("content-security-policy"), QList<QByteArray>{csp});
        QCOMPARE(get.header("x-content-type-options"), "nosniff"_ba);
        QCOMPARE(get.header("referrer-policy"), "no-referrer"_ba);
        QCOMPARE(get.header("x-frame-options"), "DENY"_ba);
        QCOMPARE(get.header("content-length"), QByteArray::number(expected.size()));
        QVERIFY(get.body == expected);
        const Answer head = exchange(m_statusPort, "HEAD", path);
        QCOMPARE(head.status, 200);
        QCOMPARE(head.header("content-security-policy"), csp);
        QCOMPARE(head.header("content-length"), QByteArray::number(expected.size()));
        QVERIFY(head.body.isEmpty());
    }

    // What the policy forbids is not in the files: inline script or style, inline event
    // handlers, anything from another origin; and data reaches the page as text, not markup.
    void nothingInlineNothingFromElsewhere()
    {
        const Answer page = exchange(m_statusPort, "GET", "/");
        const Answer script = exchange(m_statusPort, "GET", "/app.js");
        const Answer style = exchange(m_statusPort, "GET", "/app.css");
        QCOMPARE(page.status, 200);
        QCOMPARE(script.status, 200);
        QCOMPARE(style.status, 200);
        const QString html = QString::fromUtf8(page.body);
        // Every <script> has a src and nothing between its tags.
        static const QRegularExpression scriptElement(
            uR"(<script\b([^>]*)>(.*?)</script>)"_s,
            QRegularExpression::CaseInsensitiveOption |
                QRegularExpression::DotMatchesEverythingOption);
        int scripts = 0;
        for (auto it = scriptElement.globalMatch(html); it.hasNext();) {
            const QRegularExpressionMatch m = it.next();
            ++scripts;
            QVERIFY2(m.captured(1).contains(u"src="_s), qPrintable(m.captured(0)));
            QVERIFY2(m.captured(2).trimmed().isEmpty(), qPrintable(m.captured(0)));
        }
        QCOMPARE(scripts, 1);
        QCOMPARE(html.count(u"<script"_s, Qt::CaseInsensitive), scripts);
        static const QRegularExpression handler(uR"(\son[a-z]+\s*=)"_s,
                                                QRegularExpression::CaseInsensitiveOption);
        QVERIFY2(!handler.match(html).hasMatch(), qPrintable(handler.match(html).captured(0)));
        static const QRegularExpression styleAttribute(uR"(\sstyle\s*=)"_s,
                                                       QRegularExpression::CaseInsensitiveOption);
        QVERIFY(!styleAttribute.match(html).hasMatch());
        QVERIFY(!html.contains(u"<style"_s, Qt::CaseInsensitive));
        QVERIFY(!html.contains(u"javascript:"_s, Qt::CaseInsensitive));
        for (const Answer *file : {&page, &script, &style}) {
            QVERIFY(!file->body.contains("http://"));
            QVERIFY(!file->body.contains("https://"));
            QVERIFY(!file->body.contains("//cdn"));
        }
        QVERIFY(!style.body.contains("@import"));
        QVERIFY(!style.body.contains("url("));
        for (const char *forbidden :
             {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
              "new Function", "localStorage", "document.cookie"})
            QVERIFY2(!script.body.contains(forbidden), forbidden);
        QVERIFY(script.body.contains("sessionStorage"));
        // Every file the page names is served.
        static const QRegularExpression reference(u"(?:src|href)=\"([^\"]+)\""_s);
        int references = 0;
        for (auto it = reference.globalMatch(html); it.hasNext();) {
            const QString path = it.next().captured(1);
            ++references;
            QVERIFY2(!path.contains(u':') && !path.startsWith(u"//"_s), qPrintable(path));
            const Answer file = exchange(m_statusPort, "GET", '/' + path.toUtf8());
            QVERIFY2(file.status == 200, qPrintable(path));
        }
        QVERIFY(references >= 3); // the script, the style, the icon
    }

    void otherPaths_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::newRow("index.html") << "/index.html"_ba;
        QTest::newRow("unknown") << "/nope"_ba;
        QTest::newRow("source map") << "/app.js.map"_ba;
        QTest::newRow("favicon.ico") << "/favicon.ico"_ba;
        QTest::newRow("a folder") << "/dashboard/app.js"_ba;
        QTest::newRow("trailing slash") << "/app.css/"_ba;
    }

    void otherPaths()
    {
        QFETCH(QByteArray, path);
        const Answer answer = exchange(m_statusPort, "GET", path);
        QVERIFY2(answer.error.isEmpty(), qPrintable(answer.error));
        QCOMPARE(answer.status, 404);
        QVERIFY(!answer.headers.contains("content-security-policy"));
    }

    // The dashboard does not hide the service's own answers, and a query string is ignored.
    void statusStillServed()
    {
        QCOMPARE(exchange(m_statusPort, "GET", "/status").status, 200);
        QCOMPARE(exchange(m_statusPort, "GET", "/healthz").status, 200);
        const Answer withQuery = exchange(m_statusPort, "GET", "/?refresh=1");
        QCOMPARE(withQuery.status, 200);
        QCOMPARE(withQuery.header("content-type"), "text/html; charset=utf-8"_ba);
    }

private:
    QTemporaryDir m_dir;
    quint16 m_statusPort = 0;
    std::unique_ptr<Receiver> m_receiver;
};

QTEST_GUILESS_MAIN(TestDashboard)
#include "tst_dashboard.moc"
