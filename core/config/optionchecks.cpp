#include "core/config/optionchecks.h"

#include "core/capture/hookrunner.h"
#include "core/capture/nametemplate.h"
#include "core/net/address.h"
#include "core/net/portspec.h"
#include "core/util/pathchecks.h"
#include "core/util/printable.h"
#include "core/util/processlimits.h"
#include "core/util/units.h"

#include <QDir>
#include <QFile>
#include <qplatformdefs.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {
template<typename T> Checked<T> checked(std::optional<T> value, const QString &problem)
{
    if (value)
        return {std::move(value), {}};
    return {std::nullopt, problem};
}
} // namespace

Checked<QHostAddress> checkBindAddress(const QString &text)
{
    return checked(parseBindAddress(text), u"not an IPv4 or IPv6 address"_s);
}

Checked<QList<quint16>> checkPorts(const QString &text)
{
    const PortSpecResult spec = parsePortSpec(text);
    if (!spec.ok())
        return {std::nullopt, spec.error};
    return {spec.ports, {}};
}

Checked<SplitMode> checkSplitMode(const QString &text)
{
    return checked(splitModeFromName(text), u"expected port or connection"_s);
}

Checked<HashAlgorithm> checkHash(const QString &text)
{
    return checked(hashAlgorithmFromName(text), u"expected xxh128, sha256 or none"_s);
}

Checked<UdpFormat> checkUdpFormat(const QString &text)
{
    return checked(udpFormatFromName(text), u"expected pcap, raw or length-prefixed"_s);
}

Checked<qint64> checkUdpBuffer(const QString &text)
{
    const Checked<quint64> size = checkSize(text);
    if (!size.value)
        return {std::nullopt, size.problem};
    constexpr quint64 least = 4096;
    constexpr quint64 most = quint64(1) << 31;
    if (*size.value < least || *size.value > most)
        return {std::nullopt, u"expected a size from 4K to 2G"_s};
    return {qint64(*size.value), {}};
}

Checked<quint64> checkSize(const QString &text)
{
    return checked(parseSize(text),
                   u"expected a size such as 512M or 2G (K, M, G, T: powers of 1024)"_s);
}

Checked<qint64> checkDuration(const QString &text)
{
    return checked(parseDurationSeconds(text), u"expected a duration such as 90s, 15m, 1h or 1d"_s);
}

Checked<int> checkSeconds(const QString &text, bool zeroAllowed)
{
    auto ms = parseSecondsToMs(text);
    if (!zeroAllowed && ms == 0)
        ms.reset();
    return checked(ms, zeroAllowed ? u"expected seconds, 0 or more"_s
                                   : u"expected seconds, more than 0"_s);
}

Checked<int> checkCount(const QString &text, int max, const QString &what)
{
    bool ok = false;
    const int n = text.toInt(&ok);
    if (!ok || n < 1 || n > max || !text.front().isDigit())
        return {std::nullopt, u"expected a number of %1, 1 or more"_s.arg(what)};
    return {n, {}};
}

Checked<qint64> checkRunNumber(const QString &text)
{
    bool ok = false;
    const qint64 n = text.toLongLong(&ok);
    if (!ok || n < 0 || n > std::numeric_limits<qint32>::max() || !text.front().isDigit())
        return {std::nullopt,
                u"expected a run number from 0 to %1"_s.arg(std::numeric_limits<qint32>::max())};
    return {n, {}};
}

Checked<QString> checkNameTemplate(const QString &text)
{
    QString problem;
    if (!NameTemplate::parse(text, &problem))
        return {std::nullopt, problem};
    return {text, {}};
}

QString nameTemplateProblem(const CaptureSettings &settings)
{
    QString problem;
    NameTemplate::forCapture(settings.nameTemplate, settings.split, int(settings.ports.size()),
                             &problem);
    return problem;
}

Checked<QString> checkHookCommand(const QString &text)
{
    QString problem;
    if (splitHookCommand(text, &problem).isEmpty())
        return {std::nullopt, problem};
    return {text, {}};
}

QString doneDirProblem(const CaptureSettings &settings)
{
    if (settings.doneDir.isEmpty())
        return {};
    const QString output = QDir::cleanPath(
        QDir(settings.outputDir.isEmpty() ? u"."_s : settings.outputDir).absolutePath());
    const QString done = QDir::cleanPath(QDir(settings.doneDir).absolutePath());
    if (done == output)
        return u"it is the output directory itself"_s;
    const auto outputVolume = volumeSize(output);
    const auto doneVolume = volumeSize(done);
    if (outputVolume && doneVolume && outputVolume->device != doneVolume->device)
        return u"it is not on the file system of --output %1 (%2 is on another one): files are "
               "moved with rename(2), which cannot cross file systems"_s.arg(
                   printablePath(output), printablePath(doneVolume->measured));
    return {};
}

Checked<QList<std::pair<QHostAddress, int>>> checkAllowList(const QString &text)
{
    QList<std::pair<QHostAddress, int>> networks;
    for (const QString &entry : text.split(u',')) {
        const auto subnet = parseAllowEntry(entry);
        if (!subnet)
            return {std::nullopt,
                    u"%1 is not an IPv4 or IPv6 address or network (CIDR, e.g. "
                    "10.0.0.0/8 or 2001:db8::/32)"_s.arg(quotedValue(entry.trimmed()))};
        networks.append(*subnet);
    }
    return {networks, {}};
}

Checked<std::pair<QHostAddress, quint16>> checkStatusEndpoint(const QString &text)
{
    return checked(parseStatusEndpoint(text),
                   u"expected [ADDRESS:]PORT, e.g. 9100 or 127.0.0.1:9100 or [::1]:9100"_s);
}

Checked<QByteArray> checkControlTokenFile(const QString &path)
{
    if (path.isEmpty())
        return {std::nullopt, u"give a file holding the token"_s};
    QT_STATBUF st;
    if (QT_STAT(QFile::encodeName(path).constData(), &st) != 0)
        return {std::nullopt, QString::fromLocal8Bit(std::strerror(errno))};
    if (!S_ISREG(st.st_mode))
        return {std::nullopt, u"not a regular file"_s};
    if ((st.st_mode & 077) != 0)
        return {std::nullopt, u"readable or writable by group or others (mode %1); "
                              "chmod 600 it"_s.arg(st.st_mode & 0777, 4, 8, QChar(u'0'))};
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {std::nullopt, file.errorString()};
    QByteArray token = file.read(4096);
    if (token.endsWith('\n'))
        token.chop(1);
    if (token.endsWith('\r'))
        token.chop(1);
    if (token.isEmpty())
        return {std::nullopt, u"empty; put one token in it (e.g. from openssl rand -hex 32)"_s};
    if (token.contains('\n'))
        return {std::nullopt, u"more than one line; put one token in it"_s};
    if (!std::all_of(token.begin(), token.end(), [](char c) { return c > ' ' && c < 127; }))
        return {std::nullopt, u"the token holds spaces or characters that are not visible "
                              "ASCII"_s};
    if (token.size() < 16 || token.size() > 512)
        return {std::nullopt, u"the token has %1 characters; it needs 16 to 512 (e.g. from "
                              "openssl rand -hex 32)"_s.arg(token.size())};
    return {token, {}};
}

Checked<QUrl> checkReceiverUrl(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https") ||
        url.host().isEmpty())
        return {std::nullopt, u"give the receiver's --status address as http://HOST:PORT or "
                              "https://HOST:PORT"_s};
    if (!url.userInfo().isEmpty() || url.hasQuery() || url.hasFragment() ||
        (!url.path().isEmpty() && url.path() != u"/"))
        return {std::nullopt, u"give only the scheme, host and port (http://HOST:PORT)"_s};
    return {url, {}};
}

Checked<QList<QSslCertificate>> checkCaFile(const QString &path)
{
    QFile file(path);
    if (path.isEmpty() || !file.open(QIODevice::ReadOnly))
        return {std::nullopt, path.isEmpty() ? u"give a PEM file"_s : file.errorString()};
    const QList<QSslCertificate> certificates =
        QSslCertificate::fromData(file.readAll(), QSsl::Pem);
    if (certificates.isEmpty())
        return {std::nullopt, u"no PEM certificate in it"_s};
    return {certificates, {}};
}

Checked<QString> checkNotEmpty(const QString &text, const QString &problem)
{
    return checked(text.isEmpty() ? std::nullopt : std::optional{text}, problem);
}

Checked<bool> checkSwitch(const QString &text)
{
    static const QStringList yes{u"true"_s, u"yes"_s, u"on"_s, u"1"_s};
    static const QStringList no{u"false"_s, u"no"_s, u"off"_s, u"0"_s};
    const QString lower = text.toLower();
    return checked(yes.contains(lower)  ? std::optional{true}
                   : no.contains(lower) ? std::optional{false}
                                        : std::nullopt,
                   u"expected true or false"_s);
}

QString portCountProblem(qsizetype portCount)
{
    const quint64 needed = openFilesNeeded(portCount);
    const quint64 limit = openFileHardLimit();
    if (needed <= limit)
        return {};
    return u"too many ports: %1 ports need at least %2 open files, but this process may open at "
           "most %3 (ulimit -Hn)"_s.arg(portCount)
               .arg(needed)
               .arg(limit);
}

} // namespace capture
