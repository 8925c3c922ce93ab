#include "ui/logpanel.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QTextBlock>
#include <QTextCursor>
#include <QVBoxLayout>

using namespace Qt::Literals::StringLiterals;

namespace capture {

using Level = CaptureEventLog::Level;

LogPanel::LogPanel(QWidget *parent)
    : QWidget(parent)
    , m_filter(new QComboBox(this))
    , m_view(new QPlainTextEdit(this))
{
    m_filter->addItem(tr("Everything"), int(Level::Debug));
    m_filter->addItem(tr("Information and above"), int(Level::Info));
    m_filter->addItem(tr("Warnings and errors"), int(Level::Warning));
    m_filter->addItem(tr("Errors only"), int(Level::Error));
    m_filter->setCurrentIndex(1);
    m_filter->setToolTip(tr("Which log entries to show"));
    m_view->setObjectName(u"logView"_s);
    m_view->setReadOnly(true);
    // Reachable with Tab (and Tab leaves it again); arrows and Page keys scroll, and text can
    // be selected and copied from the keyboard.
    m_view->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_view->setTabChangesFocus(true);
    m_view->setFocusPolicy(Qt::StrongFocus);
    // Wrapped: a line wider than the view neither hides the rest behind horizontal scrolling
    // nor changes the viewport's height under the follow logic.
    m_view->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    m_view->setWordWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    m_view->setMaximumBlockCount(maxEntries);
    m_view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    auto *clearButton = new QPushButton(tr("Clear"), this);
    clearButton->setToolTip(tr("Remove every entry from the log panel"));

    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Show:"), this));
    top->addWidget(m_filter);
    top->addStretch(1);
    top->addWidget(clearButton);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(top);
    layout->addWidget(m_view, 1);

    connect(m_filter, &QComboBox::currentIndexChanged, this, &LogPanel::refill);
    connect(clearButton, &QPushButton::clicked, this, &LogPanel::clear);

    // Following is a state, not a comparison made at each append: the range grows (and the
    // viewport changes) after lines are laid out, which an append-time value == maximum check
    // misses, freezing the view for good.
    QScrollBar *bar = m_view->verticalScrollBar();
    connect(bar, &QScrollBar::valueChanged, this, [this, bar](int value) {
        if (!m_scrolling)
            m_following = value >= bar->maximum();
    });
    connect(bar, &QScrollBar::rangeChanged, this, [this] {
        if (m_following)
            scrollToEnd();
    });
}

void LogPanel::scrollToEnd()
{
    QScrollBar *bar = m_view->verticalScrollBar();
    m_scrolling = true;
    bar->setValue(bar->maximum());
    m_scrolling = false;
}

Level LogPanel::minimumLevel() const
{
    return Level(m_filter->currentData().toInt());
}

void LogPanel::setMinimumLevel(Level level)
{
    const int index = m_filter->findData(int(level));
    if (index >= 0)
        m_filter->setCurrentIndex(index);
}

QColor LogPanel::levelColor(Level level, const QPalette &palette)
{
    // Dark and light themes: pick the shade that reads on the view's base colour.
    const bool dark = palette.color(QPalette::Base).lightness() < 128;
    switch (level) {
    case Level::Debug:
        return palette.color(QPalette::Disabled, QPalette::Text);
    case Level::Info:
        return palette.color(QPalette::Text);
    case Level::Warning:
        return dark ? QColor(0xff, 0xb3, 0x47) : QColor(0xa8, 0x5a, 0x00);
    case Level::Error:
        return dark ? QColor(0xff, 0x6b, 0x6b) : QColor(0xc0, 0x10, 0x10);
    }
    return palette.color(QPalette::Text);
}

QTextCharFormat LogPanel::charFormat(Level level) const
{
    QTextCharFormat format;
    format.setForeground(levelColor(level, m_view->palette()));
    format.setFontWeight(level == Level::Error ? QFont::Bold : QFont::Normal);
    return format;
}

void LogPanel::append(const Entry &entry)
{
    QTextCursor cursor(m_view->document());
    cursor.movePosition(QTextCursor::End);
    const QTextCharFormat levelFormat = charFormat(entry.level);
    if (m_view->document()->isEmpty())
        cursor.setBlockCharFormat(levelFormat);
    else
        cursor.insertBlock(QTextBlockFormat(), levelFormat);
    cursor.insertText(format(entry), levelFormat);
}

QString LogPanel::format(const Entry &entry)
{
    return u"%1 %2 %3"_s.arg(entry.time.toString(u"HH:mm:ss.zzz"_s),
                             CaptureEventLog::levelName(entry.level).leftJustified(7), entry.text);
}

void LogPanel::addEntry(Level level, const QString &text)
{
    Entry entry{QDateTime::currentDateTime(), level, text};
    if (m_entries.size() >= maxEntries)
        m_entries.removeFirst();
    if (int(level) >= int(minimumLevel())) {
        append(entry);
        if (m_following)
            scrollToEnd();
    }
    m_entries.append(std::move(entry));
}

void LogPanel::refill()
{
    m_view->clear();
    const int minimum = int(minimumLevel());
    for (const Entry &entry : std::as_const(m_entries)) {
        if (int(entry.level) >= minimum)
            append(entry);
    }
    m_following = true;
    scrollToEnd();
}

QString LogPanel::visibleText() const
{
    return m_view->toPlainText();
}

void LogPanel::clear()
{
    m_entries.clear();
    m_view->clear();
    m_following = true;
}

} // namespace capture
