#include "capturesettings.h"

#include <QRegularExpression>

using namespace Qt::Literals::StringLiterals;

namespace capture {

QString splitModeName(SplitMode mode)
{
    return mode == SplitMode::Connection ? u"connection"_s : u"port"_s;
}

std::optional<SplitMode> splitModeFromName(const QString &name)
{
    if (name == u"port")
        return SplitMode::Port;
    if (name == u"connection")
        return SplitMode::Connection;
    return std::nullopt;
}

QString hashAlgorithmName(HashAlgorithm hash)
{
    return hash == HashAlgorithm::Sha256 ? u"sha256"_s : u"none"_s;
}

std::optional<HashAlgorithm> hashAlgorithmFromName(const QString &name)
{
    if (name == u"sha256")
        return HashAlgorithm::Sha256;
    if (name == u"none")
        return HashAlgorithm::None;
    return std::nullopt;
}

QString bindAddressText(const QHostAddress &address)
{
    if (address == QHostAddress(QHostAddress::Any))
        return u"::"_s;
    if (address.protocol() == QAbstractSocket::IPv6Protocol)
        return u"[%1]"_s.arg(address.toString());
    return address.toString();
}

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

} // namespace capture
