#include "ui/logpanel.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
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
    m_view->setReadOnly(true);
    m_view->setLineWrapMode(QPlainTextEdit::NoWrap);
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
}

Level LogPanel::minimumLevel() const
{
    return Level(m_filter->currentData().toInt());
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
        // Follow the newest line only when the user has not scrolled up to read.
        QScrollBar *bar = m_view->verticalScrollBar();
        const bool atEnd = bar->value() == bar->maximum();
        m_view->appendPlainText(format(entry));
        if (atEnd)
            bar->setValue(bar->maximum());
    }
    m_entries.append(std::move(entry));
}

void LogPanel::refill()
{
    QStringList lines;
    const int minimum = int(minimumLevel());
    for (const Entry &entry : std::as_const(m_entries)) {
        if (int(entry.level) >= minimum)
            lines.append(format(entry));
    }
    m_view->setPlainText(lines.join(u'\n'));
    m_view->verticalScrollBar()->setValue(m_view->verticalScrollBar()->maximum());
}

QString LogPanel::visibleText() const
{
    return m_view->toPlainText();
}

void LogPanel::clear()
{
    m_entries.clear();
    m_view->clear();
}

} // namespace capture
