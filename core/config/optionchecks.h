#pragma once

#include "core/capture/capturesettings.h"

#include <QHostAddress>
#include <QList>
#include <QSslCertificate>
#include <QString>
#include <QUrl>

#include <optional>
#include <utility>

namespace capture {

/// The checks of the option table (core/config/options.h): each reads an option's text into its
/// value, or says what is wrong with it in words that follow "invalid --name 'value': ". The
/// settings panel runs the same checks on what is typed into it.
template<typename T> struct Checked
{
    std::optional<T> value;
    QString problem; ///< set when there is no value
};

Checked<QHostAddress> checkBindAddress(const QString &text);
Checked<QList<quint16>> checkPorts(const QString &text);
Checked<SplitMode> checkSplitMode(const QString &text);
Checked<HashAlgorithm> checkHash(const QString &text);
Checked<UdpFormat> checkUdpFormat(const QString &text);
/// A --udp-buffer size: 4K to 2G.
Checked<qint64> checkUdpBuffer(const QString &text);
/// A size such as 512M or 2G.
Checked<quint64> checkSize(const QString &text);
/// A duration such as 90s, 15m, 1h or 1d, in seconds.
Checked<qint64> checkDuration(const QString &text);
/// Seconds with up to three decimals, in milliseconds; zero only when `zeroAllowed`.
Checked<int> checkSeconds(const QString &text, bool zeroAllowed);
/// A whole number from 1 to `max`, counting `what` ("files", "connections").
Checked<int> checkCount(const QString &text, int max, const QString &what);
/// A run number, 0 to 2^31-1.
Checked<qint64> checkRunNumber(const QString &text);
/// A --name-template (its syntax; what the ports and split mode need is
/// nameTemplateProblem()'s).
Checked<QString> checkNameTemplate(const QString &text);
/// What is wrong with naming the files of `settings` by its name template
/// (NameTemplate::forCapture()), or an empty string.
QString nameTemplateProblem(const CaptureSettings &settings);
/// What is wrong with moving closed files to settings.doneDir: not on the file system of the
/// output directory (of their nearest existing parents), or the output directory itself.
/// Empty without --done-dir.
QString doneDirProblem(const CaptureSettings &settings);
/// An --on-file-closed command: its words (splitHookCommand()) and a program that can be run.
Checked<QString> checkHookCommand(const QString &text);
/// A comma list of --allow entries (addresses or CIDR networks).
Checked<QList<std::pair<QHostAddress, int>>> checkAllowList(const QString &text);
/// "[ADDRESS:]PORT" of --status.
Checked<std::pair<QHostAddress, quint16>> checkStatusEndpoint(const QString &text);
/// A --control-token-file: a regular file readable by its owner only, holding one token of
/// 16 to 512 visible ASCII characters (no spaces) on one line; the token.
Checked<QByteArray> checkControlTokenFile(const QString &path);
/// A --connect URL: http:// or https:// with a host (a port, and nothing after it but "/").
Checked<QUrl> checkReceiverUrl(const QString &text);
/// A PEM file of one or more CA certificates (--ca-file).
Checked<QList<QSslCertificate>> checkCaFile(const QString &path);
/// Anything but empty; `problem` says what to give.
Checked<QString> checkNotEmpty(const QString &text, const QString &problem);
/// true, yes, on, 1 / false, no, off, 0 (any case), as a config file spells a switch.
Checked<bool> checkSwitch(const QString &text);

/// What is wrong with capturing on `portCount` ports at once under this process's open-files
/// limit ("too many ports: …"), or an empty string.
QString portCountProblem(qsizetype portCount);

} // namespace capture
