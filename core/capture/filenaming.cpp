#include "core/capture/filenaming.h"

#include "core/net/address.h"

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

} // namespace capture::FileNaming
