#include "ui/models/tablesortproxy.h"

#include "ui/models/modelroles.h"

namespace capture {

bool TableSortProxy::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    if (QSortFilterProxyModel::lessThan(left, right))
        return true;
    if (QSortFilterProxyModel::lessThan(right, left))
        return false;
    // Equal: the rows' fixed keys decide, the same way every time.
    const QVariant a = left.siblingAtColumn(0).data(TieBreakRole);
    const QVariant b = right.siblingAtColumn(0).data(TieBreakRole);
    if (a.isValid() && b.isValid())
        return QVariant::compare(a, b) == QPartialOrdering::Less;
    return left.row() < right.row();
}

} // namespace capture
