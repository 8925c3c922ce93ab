#pragma once

#include "core/util/units.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QHash>
#include <QSet>

namespace capture {

/// When each live row (a receiving port, an open connection, a file being written) last got
/// bytes, by the row's key, and which rows are shown as idle: a row whose count has not grown
/// for afterMs reads "idle since HH:MM:SS" (greyed, the tooltip saying since when and for how
/// long). The three tables share it so they tell idleness the same way.
template<typename Key> class IdleClock
{
public:
    static constexpr qint64 afterMs = 5000;

    /// `key`'s count grew at `at` (or was first seen then).
    void grew(const Key &key, const QDateTime &at)
    {
        if (at.isValid())
            m_lastGrowth.insert(key, at);
    }
    bool hasGrown(const Key &key) const { return m_lastGrowth.contains(key); }
    /// Idle at `now`, for a row that can be (the caller knows whether it is live).
    bool isIdle(const Key &key, const QDateTime &now) const
    {
        const QDateTime last = m_lastGrowth.value(key);
        return last.isValid() && now.isValid() && last.msecsTo(now) >= afterMs;
    }
    /// Notes whether `key` is shown as idle; true when that changed (its cell needs a signal).
    bool noteShown(const Key &key, bool idle)
    {
        if (idle == m_shown.contains(key))
            return false;
        if (idle)
            m_shown.insert(key);
        else
            m_shown.remove(key);
        return true;
    }
    /// Not live any more (closed, failed): no longer shown as idle.
    void unshow(const Key &key) { m_shown.remove(key); }
    void unshowAll() { m_shown.clear(); }
    void forget(const Key &key)
    {
        m_lastGrowth.remove(key);
        m_shown.remove(key);
    }
    /// Forgets every key `gone` says is gone.
    template<typename Gone> void forgetIf(Gone gone)
    {
        m_lastGrowth.removeIf(
            [&gone](typename QHash<Key, QDateTime>::iterator it) { return gone(it.key()); });
        m_shown.removeIf([&gone](const Key &key) { return gone(key); });
    }
    void clear()
    {
        m_lastGrowth.clear();
        m_shown.clear();
    }

    /// "idle since 14:03:07".
    QString label(const Key &key) const
    {
        return QCoreApplication::translate("IdleClock", "idle since %1")
            .arg(m_lastGrowth.value(key).toString(QStringLiteral("HH:mm:ss")));
    }
    /// "`what` since 2026-12-04T14:03:07 (1 min 12 s)".
    QString tooltip(const Key &key, const QDateTime &now, const QString &what) const
    {
        const QDateTime last = m_lastGrowth.value(key);
        return QCoreApplication::translate("IdleClock", "%1 since %2 (%3)")
            .arg(what, last.toString(Qt::ISODate), formatDuration(last.msecsTo(now)));
    }

private:
    QHash<Key, QDateTime> m_lastGrowth;
    QSet<Key> m_shown;
};

} // namespace capture
