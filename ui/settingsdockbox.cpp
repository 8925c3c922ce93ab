#include "ui/settingsdockbox.h"

#include "core/capture/capturesettings.h"
#include "core/net/portspec.h"
#include "core/util/digest.h"
#include "ui/settingspanel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QScrollArea>
#include <QToolButton>
#include <QVBoxLayout>

using namespace Qt::Literals::StringLiterals;

namespace capture {

SettingsDockBox::SettingsDockBox(SettingsPanel *panel, QWidget *parent)
    : QWidget(parent)
{
    m_summary = new QLabel(this);
    m_summary->setObjectName(u"settingsSummary"_s);
    m_summary->setTextFormat(Qt::PlainText);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Elided to the dock's width, never widening it.
    m_summary->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_summary->setMinimumWidth(0);
    m_toggle = new QToolButton(this);
    m_toggle->setObjectName(u"settingsToggle"_s);
    m_toggle->setAutoRaise(true);
    connect(m_toggle, &QToolButton::clicked, this, [this] { setCollapsed(!m_collapsed); });

    m_summaryBar = new QWidget(this);
    auto *bar = new QHBoxLayout(m_summaryBar);
    bar->setContentsMargins(6, 2, 2, 2);
    bar->addWidget(m_summary, 1);
    bar->addWidget(m_toggle, 0, Qt::AlignTop);

    // Scrolled when the dock is smaller than the panel: a small screen, or a message shown
    // for a moment does not leave the dock taller.
    m_scroll = new QScrollArea(this);
    m_scroll->setObjectName(u"settingsScroll"_s);
    m_scroll->setWidget(panel);
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_summaryBar);
    layout->addWidget(m_scroll, 1);
    m_summaryBar->hide();
}

QStringList SettingsDockBox::summaryLines(const CaptureSettings &s)
{
    QStringList where;
    if (!s.ports.isEmpty())
        where.append(tr("TCP %1").arg(formatPortSpec(s.ports)));
    if (!s.udpPorts.isEmpty())
        where.append(tr("UDP %1 (%2)").arg(formatPortSpec(s.udpPorts), udpFormatName(s.udpFormat)));
    if (s.tls)
        where.append(tr("TLS"));
    const QString first = tr("%1 on %2").arg(where.join(u", "_s), s.bindAddress.toString());
    QStringList into{tr("into %1").arg(s.outputDir)};
    into.append(s.split == SplitMode::Connection ? tr("a file per connection")
                                                 : tr("a file per port"));
    into.append(hashAlgorithmName(s.hash));
    if (!s.doneDir.isEmpty())
        into.append(tr("closed files to %1").arg(s.doneDir));
    return {first, into.join(u" · "_s)};
}

void SettingsDockBox::setCapturing(bool capturing, const CaptureSettings &settings)
{
    if (capturing) {
        m_lines = summaryLines(settings);
        m_summary->setToolTip(m_lines.join(u'\n'));
        elideSummary();
    }
    if (capturing == m_capturing)
        return;
    m_capturing = capturing;
    m_summaryBar->setVisible(capturing);
    setCollapsed(capturing);
}

void SettingsDockBox::setCollapsed(bool collapsed)
{
    m_toggle->setText(collapsed ? tr("Show all") : tr("Hide"));
    m_toggle->setToolTip(collapsed ? tr("Show every setting of this capture (read-only while it "
                                        "runs)")
                                   : tr("Show only the summary while the capture runs"));
    if (collapsed == m_collapsed)
        return;
    m_collapsed = collapsed;
    m_scroll->setVisible(!collapsed);
    Q_EMIT collapsedChanged(collapsed);
}

void SettingsDockBox::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    elideSummary();
}

void SettingsDockBox::elideSummary()
{
    const QFontMetrics metrics = m_summary->fontMetrics();
    const int width = std::max(40, m_summary->width());
    QStringList shown;
    for (const QString &line : std::as_const(m_lines))
        shown.append(metrics.elidedText(line, Qt::ElideMiddle, width));
    m_summary->setText(shown.join(u'\n'));
}

} // namespace capture
