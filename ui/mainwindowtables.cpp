#include "ui/mainwindow.h"

#include "ui/logpanel.h"
#include "ui/models/modelroles.h"
#include "ui/models/tablesortproxy.h"
#include "ui/settingsdockbox.h"
#include "ui/settingspanel.h"

#include <QAction>
#include <QDockWidget>
#include <QHeaderView>
#include <QScrollArea>
#include <QScrollBar>
#include <QSplitter>
#include <QStyle>
#include <QTableView>
#include <QTimer>

#include <algorithm>

using namespace Qt::Literals::StringLiterals;

// The window's tables, how they and the docks fit the window, and the keys that reach each
// panel.

namespace capture {

QTableView *MainWindow::makeTable(QAbstractItemModel *model, QSortFilterProxyModel **proxy,
                                  const QString &objectName, const QList<int> &widths,
                                  int fileColumn)
{
    Q_ASSERT(widths.size() == model->columnCount()); // one width per column, in order
    *proxy = new TableSortProxy(this);               // ties keep a fixed order
    (*proxy)->setSourceModel(model);
    (*proxy)->setSortRole(RawValueRole);
    auto *view = new QTableView(this);
    view->setObjectName(objectName);
    view->setModel(*proxy);
    view->setSortingEnabled(true);
    // One Tab stop per table; the arrows move inside it.
    view->setTabKeyNavigation(false);
    view->sortByColumn(0, Qt::AscendingOrder);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setAlternatingRowColors(true);
    view->setWordWrap(false);
    view->verticalHeader()->hide();
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 8);
    // A long file name loses its middle, not the end that tells files apart.
    view->setTextElideMode(Qt::ElideMiddle);
    QHeaderView *header = view->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::Interactive);
    // Spare width goes to the file names (elided in the middle when it is short).
    header->setStretchLastSection(false);
    header->setSectionResizeMode(fileColumn, QHeaderView::Stretch);
    // Fixed initial widths: resizing to contents would measure every row at every update.
    // Each column is at least as wide as its title with the sort arrow beside it.
    const int charWidth = view->fontMetrics().horizontalAdvance(u'0');
    const QFontMetrics headerMetrics(header->font());
    const int arrow = view->style()->pixelMetric(QStyle::PM_HeaderMarkSize, nullptr, header) +
                      2 * view->style()->pixelMetric(QStyle::PM_HeaderMargin, nullptr, header);
    for (int column = 0; column < widths.size(); ++column) {
        const QString title = model->headerData(column, Qt::Horizontal).toString();
        view->setColumnWidth(column, std::max(widths[column] * charWidth + 12,
                                              headerMetrics.horizontalAdvance(title) + arrow + 8));
    }
    return view;
}

void MainWindow::followSettingsCollapse(bool collapsed)
{
    auto *settingsDock = findChild<QDockWidget *>(u"settingsDock"_s);
    auto *filesDock = findChild<QDockWidget *>(u"filesDock"_s);
    // Only when the two share a column of the window as they do at first.
    const auto together = [this, settingsDock, filesDock] {
        return settingsDock && filesDock && !settingsDock->isFloating() &&
               !filesDock->isFloating() && settingsDock->isVisible() && filesDock->isVisible() &&
               dockWidgetArea(settingsDock) == dockWidgetArea(filesDock);
    };
    if (!together())
        return;
    if (collapsed)
        m_settingsDockHeight = settingsDock->height();
    // Once the dock's layout has taken in its panel hidden or shown: resizeDocks() keeps a
    // dock within the minimum it knows.
    QTimer::singleShot(0, this, [this, collapsed, settingsDock, filesDock, together] {
        if (!together() || collapsed != m_settingsBox->isCollapsed())
            return;
        const int both = settingsDock->height() + filesDock->height();
        const int settingsHeight =
            collapsed ? settingsDock->minimumSizeHint().height() : m_settingsDockHeight;
        if (settingsHeight > 0 && settingsHeight < both)
            resizeDocks({settingsDock, filesDock}, {settingsHeight, both - settingsHeight},
                        Qt::Vertical);
    });
}

void MainWindow::fitToWindow()
{
    auto *settingsDock = findChild<QDockWidget *>(u"settingsDock"_s);
    QScrollArea *settingsScroll = m_settingsBox->scrollArea();
    auto *tables = findChild<QSplitter *>(u"tablesSplitter"_s);
    int settingsWidth = 0;
    // isHidden(), not isVisible(): the first resize comes before the docks are shown.
    if (settingsDock && !settingsDock->isFloating() && !settingsDock->isHidden()) {
        settingsWidth = std::min(m_settings->minimumSizeHint().width() +
                                     settingsScroll->verticalScrollBar()->sizeHint().width() + 4,
                                 width() / (width() >= 1600 ? 4 : 3));
        resizeDocks({settingsDock}, {settingsWidth}, Qt::Horizontal);
    }
    if (!tables)
        return;
    const QHeaderView *header = m_portsView->horizontalHeader();
    const auto columnsWidth = [header](int visualCount) {
        int sum = 0;
        for (int visual = 0; visual < visualCount; ++visual) {
            const int logical = header->logicalIndex(visual);
            if (!header->isSectionHidden(logical))
                sum += header->sectionSize(logical);
        }
        return sum;
    };
    // The File column stretches: count it at 12 characters (a name elided in the middle; the
    // Files table beside shows it whole).
    const int frame = 2 * m_portsView->frameWidth() + 24; // and the vertical scroll bar
    const int all =
        columnsWidth(header->count() - 1) + 12 * fontMetrics().horizontalAdvance(u'0') + frame;
    const int essential = columnsWidth(4) + frame;
    const int available = width() - settingsWidth - tables->handleWidth() - 16;
    const int ports = all <= available * 3 / 5 ? all : std::max(essential, available * 2 / 5);
    tables->setSizes({ports, std::max(available - ports, 0)});
}

void MainWindow::addPanelShortcuts()
{
    // The keyboard reaches every panel: Ctrl+1…5 (and Tab, one stop per table).
    const std::pair<QString, QWidget *> panels[] = {
        {tr("Ports"), m_portsView},
        {tr("Connections"), m_connectionsView},
        {tr("Files"), m_filesView},
        {tr("Log"), m_log->findChild<QWidget *>(u"logView"_s)},
        {tr("Settings"), m_settings}};
    int number = 0;
    for (const auto &[name, target] : panels) {
        auto *focus = new QAction(tr("Go to %1").arg(name), this);
        focus->setObjectName(u"focus%1Action"_s.arg(++number));
        focus->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_0 + number)));
        focus->setShortcutContext(Qt::WindowShortcut);
        QWidget *widget = target;
        connect(focus, &QAction::triggered, this, [this, widget] {
            // A panel in a hidden dock is shown first.
            for (QDockWidget *dock : findChildren<QDockWidget *>()) {
                if (dock->isAncestorOf(widget) && !dock->isVisible())
                    dock->show();
            }
            if (widget == m_settings)
                m_settingsBox->showAll(); // collapsed while capturing
            widget->setFocus(Qt::ShortcutFocusReason);
        });
        addAction(focus);
    }
}

} // namespace capture
