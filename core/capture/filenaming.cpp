#include "core/capture/filenaming.h"

using namespace Qt::Literals::StringLiterals;

namespace capture::FileNaming {

namespace {
QString stamp(const QDateTime &time)
{
    return time.toLocalTime().toString(u"yyyyMMdd_HHmmss"_s);
}
} // namespace

QString portFileName(quint16 port, const QDateTime &time)
{
    return u"stream_%1_%2.bin"_s.arg(port).arg(stamp(time));
}

QString connectionFileName(quint16 port, const QDateTime &time, const QHostAddress &peer,
                           quint16 peerPort)
{
    return u"stream_%1_%2_%3_%4.bin"_s.arg(port)
        .arg(stamp(time), addressForFileName(peer))
        .arg(peerPort);
}

QHostAddress normalizedAddress(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    if (isV4 && address.protocol() == QAbstractSocket::IPv6Protocol)
        return QHostAddress(v4);
    return address;
}

QString addressForFileName(const QHostAddress &address)
{
    const QHostAddress plain = normalizedAddress(address);
    if (plain.protocol() != QAbstractSocket::IPv6Protocol)
        return plain.toString();
    QHostAddress withoutScope = plain;
    withoutScope.setScopeId(QString());
    QString text = withoutScope.toString();
    text.replace(u':', u'-');
    const QString scope = plain.scopeId();
    if (!scope.isEmpty()) {
        QString safeScope;
        for (const QChar c : scope)
            safeScope.append(c.isLetterOrNumber() || c == u'.' || c == u'-' ? c : u'_');
        text += u'_' + safeScope;
    }
    return text;
}

QString numberedName(const QString &fileName, int n)
{
    if (n <= 1)
        return fileName;
    const qsizetype dot = fileName.lastIndexOf(u'.');
    if (dot <= 0)
        return fileName + u'_' + QString::number(n);
    return fileName.left(dot) + u'_' + QString::number(n) + fileName.mid(dot);
}

QString endpointText(const QHostAddress &address, quint16 port)
{
    // The dual-stack wildcard; Qt would spell it 0.0.0.0, which reads as IPv4 only.
    if (address == QHostAddress(QHostAddress::Any))
        return u"[::]:%1"_s.arg(port);
    const QHostAddress plain = normalizedAddress(address);
    if (plain.protocol() == QAbstractSocket::IPv6Protocol)
        return u"[%1]:%2"_s.arg(plain.toString()).arg(port);
    return u"%1:%2"_s.arg(plain.toString()).arg(port);
}

} // namespace capture::FileNaming
