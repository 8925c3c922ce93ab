#include "ui/logpanel.h"

#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTest>
#include <QTextBlock>

using namespace Qt::Literals::StringLiterals;
using namespace capture;

using Level = CaptureEventLog::Level;

/// The log panel of the desktop window: it follows the newest line while the user is at the
/// bottom (also after a line wider than the view), wraps long lines and colours by level.
class TestLogPanel : public QObject
{
    Q_OBJECT

    static QPlainTextEdit *viewOf(LogPanel &panel)
    {
        auto *view = panel.findChild<QPlainTextEdit *>();
        Q_ASSERT(view);
        return view;
    }

    // The block shown at the bottom of the viewport.
    static QTextBlock bottomBlock(QPlainTextEdit *view)
    {
        return view->cursorForPosition(QPoint(2, view->viewport()->height() - 2)).block();
    }

    static void showPanel(LogPanel &panel)
    {
        panel.resize(420, 220);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
    }

private Q_SLOTS:
    void followsAfterLongLine()
    {
        LogPanel panel;
        showPanel(panel);
        QPlainTextEdit *view = viewOf(panel);
        for (int i = 0; i < 5; ++i)
            panel.addEntry(Level::Info, u"short line %1"_s.arg(i));
        // Lines come in bursts (one event loop pass each), as a capture's events do.
        panel.addEntry(Level::Info, u"wide "_s + QString(2000, u'x'));
        for (int i = 0; i < 60; ++i) {
            panel.addEntry(Level::Info, u"after line %1"_s.arg(i));
            if (i % 10 == 9)
                QCoreApplication::processEvents();
        }
        QScrollBar *bar = view->verticalScrollBar();
        QVERIFY(bar->maximum() > 0);
        QTRY_COMPARE(bar->value(), bar->maximum());
        QCOMPARE(bottomBlock(view).text(), view->document()->lastBlock().text());
        QVERIFY(view->document()->lastBlock().text().endsWith(u"after line 59"_s));
    }

    void longLinesWrap()
    {
        LogPanel panel;
        showPanel(panel);
        QPlainTextEdit *view = viewOf(panel);
        const QString wide = u"wide "_s + QString(2000, u'y');
        panel.addEntry(Level::Info, wide);
        QCoreApplication::processEvents();
        QVERIFY(view->lineWrapMode() != QPlainTextEdit::NoWrap);
        QCOMPARE(view->horizontalScrollBar()->maximum(), 0);
        // Wrapped, not cut: the whole text is still there.
        QVERIFY(panel.visibleText().contains(wide));
    }

    void staysPutWhileUserReadsAbove()
    {
        LogPanel panel;
        showPanel(panel);
        QPlainTextEdit *view = viewOf(panel);
        for (int i = 0; i < 60; ++i)
            panel.addEntry(Level::Info, u"line %1"_s.arg(i));
        QCoreApplication::processEvents();
        QScrollBar *bar = view->verticalScrollBar();
        QVERIFY(bar->maximum() > 0);
        bar->setValue(0); // the user scrolls up to read
        for (int i = 0; i < 20; ++i)
            panel.addEntry(Level::Info, u"more %1"_s.arg(i));
        QCoreApplication::processEvents();
        QCOMPARE(bar->value(), 0);
        // Back at the bottom, it follows again.
        bar->setValue(bar->maximum());
        panel.addEntry(Level::Info, u"wide "_s + QString(2000, u'z'));
        for (int i = 0; i < 20; ++i)
            panel.addEntry(Level::Info, u"last %1"_s.arg(i));
        QCoreApplication::processEvents();
        QTRY_COMPARE(bar->value(), bar->maximum());
        QVERIFY(bottomBlock(view).text().endsWith(u"last 19"_s));
    }

    void colouredByLevel_data()
    {
        QTest::addColumn<Level>("level");
        QTest::newRow("debug") << Level::Debug;
        QTest::newRow("info") << Level::Info;
        QTest::newRow("warning") << Level::Warning;
        QTest::newRow("error") << Level::Error;
    }

    void colouredByLevel()
    {
        QFETCH(Level, level);
        LogPanel panel;
        QPlainTextEdit *view = viewOf(panel);
        panel.setMinimumLevel(Level::Debug);
        panel.addEntry(Level::Info, u"before"_s);
        panel.addEntry(level, u"the entry"_s);
        panel.addEntry(Level::Info, u"after"_s);
        const QTextBlock block = view->document()->findBlockByNumber(1);
        QVERIFY(block.text().endsWith(u"the entry"_s));
        const QTextCharFormat format = block.begin().fragment().charFormat();
        QCOMPARE(format.foreground().color(), LogPanel::levelColor(level, view->palette()));
        if (level == Level::Warning || level == Level::Error)
            QVERIFY(LogPanel::levelColor(level, view->palette()) !=
                    view->palette().color(QPalette::Text));
        QCOMPARE(format.fontWeight() == QFont::Bold, level == Level::Error);
        // The colour survives a refill (changing the filter).
        panel.setMinimumLevel(Level::Info);
        panel.setMinimumLevel(Level::Debug);
        const QTextBlock again = view->document()->findBlockByNumber(1);
        QCOMPARE(again.begin().fragment().charFormat().foreground().color(),
                 LogPanel::levelColor(level, view->palette()));
    }
};

QTEST_MAIN(TestLogPanel)
#include "tst_logpanel.moc"
