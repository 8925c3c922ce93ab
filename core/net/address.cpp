#include "core/net/address.h"

#include "core/net/portspec.h"

#include <QRegularExpression>

using namespace Qt::Literals::StringLiterals;

namespace capture {

std::optional<QHostAddress> parseBindAddress(const QString &text)
{
    QString t = text.trimmed();
    if (t.startsWith(u'[') && t.endsWith(u']'))
        t = t.mid(1, t.size() - 2);
    if (t.isEmpty())
        return std::nullopt;
    // QHostAddress::Any is the dual-stack wildcard; a literal AnyIPv6 would be IPv6 only.
    if (t == u"::")
        return QHostAddress(QHostAddress::Any);
    // QHostAddress also takes inet_aton forms such as "1.2.3"; users mean four parts.
    static const QRegularExpression dottedQuad(u"^\\d{1,3}(\\.\\d{1,3}){3}$"_s);
    if (!t.contains(u':') && !dottedQuad.match(t).hasMatch())
        return std::nullopt;
    QHostAddress address;
    if (!address.setAddress(t))
        return std::nullopt;
    return address;
}

QString bindAddressText(const QHostAddress &address)
{
    if (address == QHostAddress(QHostAddress::Any))
        return u"::"_s;
    if (address.protocol() == QAbstractSocket::IPv6Protocol)
        return u"[%1]"_s.arg(address.toString());
    return address.toString();
}

QHostAddress normalizedAddress(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    if (isV4 && address.protocol() == QAbstractSocket::IPv6Protocol)
        return QHostAddress(v4);
    return address;
}

QString endpointText(const QHostAddress &address, quint16 port)
{
    // The dual-stack wildcard; Qt would spell it 0.0.0.0, which reads as IPv4 only.
    if (address == QHostAddress(QHostAddress::Any))
        return u"[::]:%1"_s.arg(port);
    const QHostAddress plain = normalizedAddress(address);
    // One arg() call: chained, a scope id such as "fe80::1%1" would take the port's place.
    if (plain.protocol() == QAbstractSocket::IPv6Protocol)
        return u"[%1]:%2"_s.arg(plain.toString(), QString::number(port));
    return u"%1:%2"_s.arg(plain.toString(), QString::number(port));
}

std::optional<std::pair<QHostAddress, quint16>> parseStatusEndpoint(const QString &text)
{
    QString address = u"127.0.0.1"_s;
    QString port = text;
    const qsizetype colon = text.lastIndexOf(u':');
    if (colon >= 0) {
        address = text.left(colon);
        port = text.mid(colon + 1);
        if (address.startsWith(u'[') && address.endsWith(u']'))
            address = address.mid(1, address.size() - 2);
        else if (address.contains(u':'))
            return std::nullopt; // an IPv6 address needs its brackets
    }
    const auto number = parsePort(port);
    const auto host = parseBindAddress(address);
    if (!number || !host)
        return std::nullopt;
    return std::pair{*host, *number};
}

std::optional<std::pair<QHostAddress, int>> parseAllowEntry(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return std::nullopt;
    const qsizetype slash = trimmed.indexOf(u'/');
    const QHostAddress address(slash < 0 ? trimmed : trimmed.left(slash));
    if (address.isNull())
        return std::nullopt;
    const int maxPrefix = address.protocol() == QAbstractSocket::IPv4Protocol ? 32 : 128;
    int prefix = maxPrefix;
    if (slash >= 0) {
        bool ok = false;
        const QString digits = trimmed.mid(slash + 1);
        prefix = digits.toInt(&ok);
        if (!ok || digits.isEmpty() || !digits.front().isDigit() || prefix < 0 ||
            prefix > maxPrefix)
            return std::nullopt;
    }
    // ::ffff:a.b.c.d/N (N >= 96) is the IPv4 network a.b.c.d/(N-96): peers are matched as
    // IPv4 (peerAllowed), so the entry must be too. Checked by its bytes: Qt's
    // toIPv4Address() also takes "::" for 0.0.0.0, which would turn ::/124 into 0.0.0.0/28.
    QHostAddress network = address;
    if (address.protocol() == QAbstractSocket::IPv6Protocol && prefix >= 96) {
        const Q_IPV6ADDR bytes = address.toIPv6Address();
        bool mapped = bytes[10] == 0xff && bytes[11] == 0xff;
        for (int i = 0; i < 10 && mapped; ++i)
            mapped = bytes[i] == 0;
        if (mapped) {
            network = QHostAddress(quint32(bytes[12]) << 24 | quint32(bytes[13]) << 16 |
                                   quint32(bytes[14]) << 8 | quint32(bytes[15]));
            prefix -= 96;
        }
    }
    // The network's own address, so "10.1.2.3/8" and "10.0.0.0/8" mean the same.
    const auto parsed =
        QHostAddress::parseSubnet(network.toString() + u'/' + QString::number(prefix));
    if (parsed.first.isNull())
        return std::nullopt;
    return parsed;
}

QString allowEntryText(const std::pair<QHostAddress, int> &subnet)
{
    return subnet.first.toString() + u'/' + QString::number(subnet.second);
}

bool peerAllowed(const QList<std::pair<QHostAddress, int>> &allow, const QHostAddress &peer)
{
    if (allow.isEmpty())
        return true;
    QHostAddress address = peer;
    bool mapped = false;
    const quint32 v4 = peer.toIPv4Address(&mapped);
    if (mapped)
        address = QHostAddress(v4);
    for (const auto &subnet : allow) {
        if (address.isInSubnet(subnet) || (mapped && peer.isInSubnet(subnet)))
            return true;
    }
    return false;
}

} // namespace capture
