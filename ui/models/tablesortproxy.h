#pragma once

#include <QSortFilterProxyModel>

namespace capture {

/// The tables' sort proxy: sorts by the sort role (RawValueRole) and breaks ties with the
/// source's TieBreakRole (of column 0), so rows with equal values (two ports at 0 B/s) keep
/// one fixed order instead of swapping as their cells update.
class TableSortProxy : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

protected:
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;
};

} // namespace capture
