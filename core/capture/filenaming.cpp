#include "core/capture/filenaming.h"

#include "core/net/address.h"

using namespace Qt::Literals::StringLiterals;

namespace capture::FileNaming {

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
    const qsizetype slash = fileName.lastIndexOf(u'/');
    if (dot <= slash + 1) // no extension in the name itself (a dot in a directory does not count)
        return fileName + u'_' + QString::number(n);
    return fileName.left(dot) + u'_' + QString::number(n) + fileName.mid(dot);
}

} // namespace capture::FileNaming
