#include "core/remote/sseparser.h"

#include <QTest>

using namespace Qt::Literals::StringLiterals;
using namespace capture;

using Event = SseParser::Event;

namespace {

Event sse(const QString &type, const QByteArray &data, const QByteArray &id, bool hasId)
{
    Event e;
    e.type = type;
    e.data = data;
    e.id = id;
    e.hasId = hasId;
    return e;
}

/// Feeds `text` cut after each of `cuts` (byte offsets), the events of all parts together.
QList<Event> parseCut(SseParser &parser, const QByteArray &text, const QList<int> &cuts)
{
    QList<Event> out;
    int at = 0;
    for (int cut : cuts) {
        out += parser.feed(text.mid(at, cut - at));
        at = cut;
    }
    out += parser.feed(text.mid(at));
    return out;
}

} // namespace

// The event-stream parser of RemoteReceiver, on what the receiver sends and on what the
// standard allows besides: every cut of the input gives the same events.
class TestSseParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parses_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QList<Event>>("expected");
        QTest::addColumn<QByteArray>("lastId");

        QTest::newRow("the receiver's stream")
            << ": capture-receiver\n\nid: 1\nevent: started\ndata: {\"a\":1}\n\n"
               "id: 2\nevent: stats\ndata: {}\n\n: keep-alive\n\n"_ba
            << QList<Event>{sse(u"started"_s, "{\"a\":1}", "1", true),
                            sse(u"stats"_s, "{}", "2", true)}
            << "2"_ba;
        QTest::newRow("CRLF") << "id: 7\r\nevent: x\r\ndata: d\r\n\r\n"_ba
                              << QList<Event>{sse(u"x"_s, "d", "7", true)} << "7"_ba;
        QTest::newRow("CR alone") << "id: 7\revent: x\rdata: d\r\r"_ba
                                  << QList<Event>{sse(u"x"_s, "d", "7", true)} << "7"_ba;
        QTest::newRow("mixed line ends")
            << "data: a\r\ndata: b\rdata: c\n\r\n"_ba
            << QList<Event>{sse(u"message"_s, "a\nb\nc", "", false)} << ""_ba;
        QTest::newRow("multi-line data")
            << "event: m\ndata: one\ndata:two\ndata:  three\n\n"_ba
            << QList<Event>{sse(u"m"_s, "one\ntwo\n three", "", false)} << ""_ba;
        QTest::newRow("comments between fields")
            << ":c1\nevent: m\n: c2\ndata: x\n:c3\n\n"_ba
            << QList<Event>{sse(u"m"_s, "x", "", false)} << ""_ba;
        QTest::newRow("id without data: no event, the id counts")
            << "id: 41\n\nid: 42\nevent: y\n\ndata: z\n\n"_ba
            << QList<Event>{sse(u"message"_s, "z", "42", false)} << "42"_ba;
        QTest::newRow("the gap event has no id")
            << "id: 5\nevent: a\ndata: 1\n\nevent: gap\ndata: {\"lost\":3}\n\n"_ba
            << QList<Event>{sse(u"a"_s, "1", "5", true), sse(u"gap"_s, "{\"lost\":3}", "5", false)}
            << "5"_ba;
        QTest::newRow("empty data line is an event")
            << "data\n\ndata:\n\n"_ba
            << QList<Event>{sse(u"message"_s, "", "", false), sse(u"message"_s, "", "", false)}
            << ""_ba;
        QTest::newRow("unknown fields and no trailing blank line")
            << "foo: bar\ndata: kept\n\ndata: not yet"_ba
            << QList<Event>{sse(u"message"_s, "kept", "", false)} << ""_ba;
        QTest::newRow("byte order mark")
            << "\xEF\xBB\xBF"
               "data: x\n\n"_ba
            << QList<Event>{sse(u"message"_s, "x", "", false)} << ""_ba;
        QTest::newRow("colon in value")
            << "data: {\"a\":\"b:c\"}\n\n"_ba
            << QList<Event>{sse(u"message"_s, "{\"a\":\"b:c\"}", "", false)} << ""_ba;
    }

    void parses()
    {
        QFETCH(QByteArray, text);
        QFETCH(QList<Event>, expected);
        QFETCH(QByteArray, lastId);
        {
            SseParser whole;
            QCOMPARE(whole.feed(text), expected);
            QCOMPARE(whole.lastEventId(), lastId);
        }
        // Byte by byte, and cut in two at every place.
        SseParser bytes;
        QList<Event> got;
        for (qsizetype i = 0; i < text.size(); ++i)
            got += bytes.feed(text.mid(i, 1));
        QCOMPARE(got, expected);
        for (int cut = 0; cut <= text.size(); ++cut) {
            SseParser two;
            QCOMPARE(parseCut(two, text, {cut}), expected);
        }
    }

    // A CR at the end of one chunk and the LF at the start of the next are one line end.
    void crlfAcrossChunks()
    {
        SseParser p;
        QCOMPARE(
            parseCut(p, "data: a\r\n\r\ndata: b\r\n\r\n"_ba, {8, 10}),
            (QList<Event>{sse(u"message"_s, "a", "", false), sse(u"message"_s, "b", "", false)}));
    }

    // A new connection forgets a half-received event but keeps the last id (Last-Event-ID).
    void resetKeepsTheLastId()
    {
        SseParser p;
        QCOMPARE(p.feed("id: 9\ndata: a\n\nid: 10\ndata: half"_ba).size(), 1);
        p.resetStream();
        QCOMPARE(p.lastEventId(), "10"_ba); // the id line was complete
        QCOMPARE(p.feed("data: b\n\n"_ba), (QList<Event>{sse(u"message"_s, "b", "10", false)}));
    }

    void retry()
    {
        SseParser p;
        p.feed("retry: 3000\n\nretry: x\n\n"_ba);
        QCOMPARE(p.retryMs(), std::optional<qint64>(3000));
    }
};

QTEST_GUILESS_MAIN(TestSseParser)
#include "tst_sseparser.moc"
