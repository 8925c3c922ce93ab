#pragma once

#include "core/observe/eventlog.h"

#include <QDateTime>
#include <QWidget>

class QComboBox;
class QPlainTextEdit;

namespace capture {

/// The log of the desktop window: the same lines as the console, with a level filter.
/// Keeps a bounded number of entries.
class LogPanel : public QWidget
{
    Q_OBJECT

public:
    explicit LogPanel(QWidget *parent = nullptr);

    /// Entries below the level chosen in the filter are hidden (kept, and shown again when the
    /// filter is lowered).
    CaptureEventLog::Level minimumLevel() const;
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
    void refill();

    QComboBox *m_filter;
    QPlainTextEdit *m_view;
    QList<Entry> m_entries;
};

} // namespace capture
