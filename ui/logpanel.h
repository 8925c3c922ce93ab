#pragma once

#include "core/observe/eventlog.h"

#include <QColor>
#include <QDateTime>
#include <QWidget>

class QComboBox;
class QPalette;
class QPlainTextEdit;
class QTextCharFormat;

namespace capture {

/// The log of the desktop window: the same lines as the console, with a level filter.
/// Keeps a bounded number of entries. Long lines wrap; warnings and errors are coloured; the
/// view follows the newest line while the user is at the bottom.
class LogPanel : public QWidget
{
    Q_OBJECT

public:
    explicit LogPanel(QWidget *parent = nullptr);

    /// Entries below the level chosen in the filter are hidden (kept, and shown again when the
    /// filter is lowered).
    CaptureEventLog::Level minimumLevel() const;
    void setMinimumLevel(CaptureEventLog::Level level);
    /// The text colour of an entry of this level, on a view with this palette.
    static QColor levelColor(CaptureEventLog::Level level, const QPalette &palette);
    /// The visible text, one entry per line.
    QString visibleText() const;

    static constexpr int maxEntries = 10000;

public Q_SLOTS:
    void addEntry(capture::CaptureEventLog::Level level, const QString &text);
    void clear();

private:
    struct Entry
    {
        QDateTime time;
        CaptureEventLog::Level level;
        QString text;
    };
    static QString format(const Entry &entry);
    QTextCharFormat charFormat(CaptureEventLog::Level level) const;
    void append(const Entry &entry);
    void refill();
    void scrollToEnd();

    // True while the view shows the newest line; only the user's scrolling clears it.
    bool m_following = true;
    bool m_scrolling = false;

    QComboBox *m_filter;
    QPlainTextEdit *m_view;
    QList<Entry> m_entries;
};

} // namespace capture
