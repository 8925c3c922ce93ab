#include "ui/graph/throughputgraph.h"

#include <QContextMenuEvent>
#include <QFontMetrics>
#include <QMenu>
#include <QMouseEvent>

#include <array>

using namespace Qt::Literals::StringLiterals;

// The graph's looks (a colour and dash per port), its legend's layout and clicks, and its
// context menu (log scale, averaging interval, clear last run).

namespace capture {

namespace {

// Eight well-separated hues, darker on light backgrounds and lighter on dark ones; ports
// 1-8 draw them solid, ports 9-16 dashed, so 16 ports give 16 distinct lines.
constexpr std::array<QRgb, 8> LightColors{0x1f6fc5, 0xd9730d, 0x2e9d4a, 0xc2378a,
                                          0x7b52c7, 0x0e8f9c, 0x9c7a00, 0xc0392b};
constexpr std::array<QRgb, 8> DarkColors{0x5aa9ff, 0xffa94d, 0x63d77f, 0xf783c8,
                                         0xb197fc, 0x3bc9db, 0xffd43b, 0xff6b6b};
constexpr int StyleCount = 2 * int(LightColors.size());

QColor mix(const QColor &from, const QColor &to, qreal amount)
{
    return QColor::fromRgbF(float(from.redF() + (to.redF() - from.redF()) * amount),
                            float(from.greenF() + (to.greenF() - from.greenF()) * amount),
                            float(from.blueF() + (to.blueF() - from.blueF()) * amount));
}

} // namespace

QColor ThroughputGraph::seriesColor(int index) const
{
    const QColor base = palette().color(QPalette::Base);
    const QColor text = palette().color(QPalette::Text);
    if (index <= 0)
        return mix(base, text, 0.85); // the total: the text's colour, apart from every hue
    const bool dark = base.lightness() < 128;
    const auto &colors = dark ? DarkColors : LightColors;
    return QColor(colors[size_t(index - 1) % colors.size()]);
}

int ThroughputGraph::styleIndex(PortKey port) const
{
    return m_styles.value(port, 0) % StyleCount;
}

void ThroughputGraph::noteStyle(PortKey port)
{
    if (!m_styles.contains(port))
        m_styles.insert(port, int(m_styles.size()));
}

QPen ThroughputGraph::portPen(PortKey port) const
{
    const int style = styleIndex(port);
    QPen pen(seriesColor(style + 1), PortPenWidth);
    if (style >= int(LightColors.size()))
        pen.setDashPattern({4.0, 2.5});
    return pen;
}

QPen ThroughputGraph::lastRunPen() const
{
    QPen pen(mix(palette().color(QPalette::Base), palette().color(QPalette::Text), 0.4), 1.25);
    pen.setDashPattern({2.0, 2.0});
    return pen;
}

void ThroughputGraph::layoutLegend(Frame &frame) const
{
    const QFontMetrics metrics = fontMetrics();
    const qreal lineHeight = metrics.height() + 2;
    const qreal left = Padding;
    const qreal limit = width() - Padding;
    qreal x = left;
    qreal y = Padding;
    const auto place = [&](LegendEntry entry, qreal itemWidth) {
        if (x > left && x + itemWidth > limit) {
            x = left;
            y += lineHeight;
        }
        entry.rect = QRectF(x, y, itemWidth, lineHeight);
        frame.legend.append(entry);
        x += itemWidth + 2 * Padding;
    };
    QSet<QString> seen;
    for (const Series &series : std::as_const(frame.series)) {
        if (seen.contains(series.key))
            continue;
        seen.insert(series.key);
        QString label = series.key == lastRunKey() ? lastRunKey() : series.name;
        // Many ports: "5000", "5000/udp", so 16 of them fit in two rows.
        if (m_selected.size() > 4 && label.startsWith(u"port "_s))
            label = label.mid(5);
        place({series.key, label, series.pen, !series.visible, {}},
              SwatchWidth + 4 + metrics.horizontalAdvance(label) + 2);
    }
    if (selectHintShown()) {
        const QString hint = tr("Select ports in the table to add their lines.");
        place({QString(), hint, QPen(Qt::NoPen), false, {}}, metrics.horizontalAdvance(hint));
    }
}

QStringList ThroughputGraph::legendKeys() const
{
    QStringList keys;
    for (const LegendEntry &entry : frame().legend) {
        if (!entry.key.isEmpty())
            keys.append(entry.key);
    }
    return keys;
}

QRectF ThroughputGraph::legendRect(const QString &key) const
{
    for (const LegendEntry &entry : frame().legend) {
        if (!key.isEmpty() && entry.key == key)
            return entry.rect;
    }
    return {};
}

QString ThroughputGraph::legendKeyAt(const QPointF &position) const
{
    for (const LegendEntry &entry : frame().legend) {
        if (!entry.key.isEmpty() && entry.rect.contains(position))
            return entry.key;
    }
    return {};
}

void ThroughputGraph::mousePressEvent(QMouseEvent *event)
{
    if (event->button() == Qt::LeftButton) {
        if (const QString key = legendKeyAt(event->position()); !key.isEmpty()) {
            setSeriesVisible(key, !isSeriesVisible(key));
            event->accept();
            return;
        }
    }
    QWidget::mousePressEvent(event);
}

void ThroughputGraph::fillContextMenu(QMenu &menu)
{
    QAction *log = menu.addAction(tr("Logarithmic scale"));
    log->setObjectName(u"graphLogScaleAction"_s);
    log->setCheckable(true);
    log->setChecked(m_log);
    connect(log, &QAction::toggled, this, &ThroughputGraph::setLogScale);

    QMenu *intervals = menu.addMenu(tr("Average over"));
    // Rebuilt at each right-click, so the check marks need no exclusive group.
    for (const qint64 choice : intervalChoices()) {
        QAction *action = intervals->addAction(intervalName(choice));
        action->setObjectName(u"graphInterval%1Action"_s.arg(choice));
        action->setCheckable(true);
        action->setChecked(choice == m_intervalMs);
        connect(action, &QAction::triggered, this, [this, choice] { setInterval(choice); });
    }

    menu.addSeparator();
    QAction *clearLast = menu.addAction(tr("Clear last run"));
    clearLast->setObjectName(u"graphClearLastRunAction"_s);
    clearLast->setEnabled(hasLastRun());
    connect(clearLast, &QAction::triggered, this, &ThroughputGraph::clearLastRun);
}

void ThroughputGraph::contextMenuEvent(QContextMenuEvent *event)
{
    QMenu menu(this);
    fillContextMenu(menu);
    menu.exec(event->globalPos());
}

} // namespace capture
