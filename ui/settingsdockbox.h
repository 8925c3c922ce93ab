#pragma once

#include <QWidget>

class QLabel;
class QScrollArea;
class QToolButton;

namespace capture {

struct CaptureSettings;
class SettingsPanel;

/// The Settings dock's contents. Idle: the settings panel, scrolled when the dock is smaller
/// than it. While a capture runs the panel is read-only, so the box collapses to a two-line
/// summary of what is being recorded (ports and address; output folder, split and hash) and
/// the dock gives its height to the Files table; "Show all" opens the read-only panel again
/// until the capture stops, and the panel comes back whole when it stops.
class SettingsDockBox : public QWidget
{
    Q_OBJECT

public:
    SettingsDockBox(SettingsPanel *panel, QWidget *parent = nullptr);

    QScrollArea *scrollArea() const { return m_scroll; }
    bool isCollapsed() const { return m_collapsed; }

    /// Collapses to the summary of `settings` (a capture started) or shows the whole panel
    /// (it stopped). The user's "Show all" lasts until the capture stops.
    void setCapturing(bool capturing, const CaptureSettings &settings);
    /// Shows the whole panel (read-only while capturing), as "Show all" does.
    void showAll() { setCollapsed(false); }
    /// The summary's two lines, unelided (also its tooltip).
    static QStringList summaryLines(const CaptureSettings &settings);

Q_SIGNALS:
    /// The panel was hidden (collapsed) or shown: the dock's height should follow.
    void collapsedChanged(bool collapsed);

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void setCollapsed(bool collapsed);
    void elideSummary();

    QScrollArea *m_scroll = nullptr;
    QWidget *m_summaryBar = nullptr;
    QLabel *m_summary = nullptr;
    QToolButton *m_toggle = nullptr;
    QStringList m_lines;
    bool m_capturing = false;
    bool m_collapsed = false;
};

} // namespace capture
