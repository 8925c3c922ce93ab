#include "core/net/portspec.h"

#include "core/util/printable.h"

#include <QSet>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

// Digits only: QString::toUInt would also take a sign or surrounding spaces.
std::optional<quint32> parseDecimal(QStringView text)
{
    if (text.isEmpty() || text.size() > 9)
        return std::nullopt;
    quint32 value = 0;
    for (const QChar c : text) {
        if (c < u'0' || c > u'9')
            return std::nullopt;
        value = value * 10 + quint32(c.unicode() - u'0');
    }
    return value;
}

} // namespace

std::optional<quint16> parsePort(QStringView text)
{
    const auto value = parseDecimal(text);
    if (!value || *value == 0 || *value > 65535)
        return std::nullopt;
    return quint16(*value);
}

PortSpecResult parsePortSpec(const QString &spec)
{
    PortSpecResult result;
    const QString trimmed = spec.trimmed();
    if (trimmed.isEmpty()) {
        result.error =
            u"empty port list: give ports such as 5000, 5000-5009 or 5000,5002,6000-6010"_s;
        return result;
    }

    QSet<quint16> seen;
    auto fail = [&result](const QString &message) {
        result.ports.clear();
        result.error = message;
        return result;
    };
    auto add = [&](quint32 port) {
        if (seen.contains(quint16(port)))
            return false;
        seen.insert(quint16(port));
        result.ports.append(quint16(port));
        return true;
    };

    const QStringList items = trimmed.split(u',');
    for (const QString &rawItem : items) {
        const QString item = rawItem.trimmed();
        if (item.isEmpty())
            return fail(u"empty item in port list '%1'"_s.arg(printableValue(spec)));

        const qsizetype dash = item.indexOf(u'-');
        if (dash < 0) {
            const auto value = parseDecimal(item);
            if (!value)
                return fail(u"invalid port '%1': not a number"_s.arg(printableValue(item)));
            if (*value == 0 || *value > 65535)
                return fail(u"invalid port '%1': ports are 1-65535"_s.arg(printableValue(item)));
            if (!add(*value))
                return fail(u"duplicate port %1 in '%2'"_s.arg(*value).arg(printableValue(spec)));
            continue;
        }

        const auto first = parseDecimal(QStringView(item).left(dash).trimmed());
        const auto last = parseDecimal(QStringView(item).mid(dash + 1).trimmed());
        if (!first || !last)
            return fail(
                u"invalid port range '%1': expected FIRST-LAST"_s.arg(printableValue(item)));
        if (*first == 0 || *first > 65535)
            return fail(u"invalid port range '%1': ports are 1-65535"_s.arg(printableValue(item)));
        if (*last > 65535)
            return fail(u"invalid port range '%1': runs past 65535"_s.arg(printableValue(item)));
        if (*last < *first)
            return fail(u"invalid port range '%1': reversed (%2 > %3)"_s.arg(printableValue(item))
                            .arg(*first)
                            .arg(*last));
        for (quint32 port = *first; port <= *last; ++port) {
            if (!add(port))
                return fail(u"duplicate port %1 in '%2'"_s.arg(port).arg(printableValue(spec)));
        }
    }
    return result;
}

QString formatPortSpec(const QList<quint16> &ports)
{
    QStringList parts;
    for (qsizetype i = 0; i < ports.size();) {
        qsizetype j = i;
        while (j + 1 < ports.size() && ports[j + 1] == ports[j] + 1)
            ++j;
        parts.append(j == i ? QString::number(ports[i]) : u"%1-%2"_s.arg(ports[i]).arg(ports[j]));
        i = j + 1;
    }
    return parts.join(u',');
}

} // namespace capture
