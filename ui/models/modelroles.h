#pragma once

#include <QColor>
#include <Qt>

namespace capture {

/// Roles the table models add to Qt's.
enum ModelRole {
    /// The cell's value as a number (or string) fit for sorting: bytes as qint64, rates as
    /// double, times as msecs since epoch. A QSortFilterProxyModel sorts by it.
    RawValueRole = Qt::UserRole + 1,
    /// A value unique to the row that never changes while it lives (a port and its protocol,
    /// a connection's id): TableSortProxy orders rows with equal sort values by it.
    TieBreakRole,
};

/// A red for errors that stays readable on light and dark palettes.
QColor errorColor();

} // namespace capture
