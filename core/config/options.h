#pragma once

#include "core/capture/capturesettings.h"
#include "core/tls/tlsconfig.h"

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QSet>
#include <QSslCertificate>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <optional>

namespace capture {

/// Everything the command line sets.
struct CommandLineOptions
{
    CaptureSettings settings;
    bool noGui = false;
    bool portsGiven = false;       ///< ports came from the command line (start at once)
    int summaryIntervalMs = 10000; ///< headless summary line period; 0 = off
    QString logFile;
    /// Long names of the capture options given explicitly ("bind", "ports", "output", …);
    /// the compatible positional form counts as "bind" and "ports".
    QSet<QString> givenOptions;
    QString configFile; ///< the --config file read, if any
    QString eventsFile; ///< --events: JSON lines of every event; "-" for standard output
    TlsFiles tlsFiles;  ///< --tls-cert, --tls-key, --tls-ca (loaded into settings.tls)
    QString tlsWarning; ///< e.g. the server certificate has expired
    /// --status: the HTTP status/metrics server's address and port (port 0: off)
    QHostAddress statusAddress{QHostAddress::LocalHost};
    quint16 statusPort = 0;
    /// --status-tls-cert, --status-tls-key: HTTPS on the status port (loaded into statusTls)
    TlsFiles statusTlsFiles{{}, {}, {}, QStringLiteral("--status-tls")};
    std::optional<QSslConfiguration> statusTls;
    QString controlTokenFile; ///< --control-token-file
    QByteArray controlToken;  ///< its token: the control API is on when not empty
    bool idle = false;        ///< --idle: start without capturing, for POST /api/capture/start
    /// --connect: the window shows the receiver at this --status URL instead of capturing here
    QUrl connectUrl;
    QString connectTokenFile; ///< --token-file
    QByteArray connectToken;  ///< its token: empty, the window only watches
    QString connectCaFile;    ///< --ca-file
    QList<QSslCertificate> connectCaCertificates;
};

/// One option of capture-receiver. The table of them (optionTable()) drives the command line,
/// the config file, --help and, through --help, the man page: a new option is one new row.
struct OptionSpec
{
    QStringList names; ///< short and long names; the last is the long name ("b", "bind")
    QString valueName; ///< shown in --help ("address"); empty: a switch, which takes no value
    QString help;      ///< the --help text
    bool inConfigFile; ///< a config file may set it, by its long name as the key
    bool repeatable;   ///< may be given more than once (each adds to the value)
    /// Checks a value (with the checks of core/config/optionchecks.h) and, when it is good,
    /// applies it to the options. Returns what is wrong with it, or an empty string. Null for
    /// --config, which parseCommandLine() handles itself.
    QString (*apply)(const QString &value, CommandLineOptions *options);

    QString longName() const { return names.constLast(); }
    bool takesValue() const { return !valueName.isEmpty(); }
};

/// Every option in the order --help shows them (after --help and --version).
const QList<OptionSpec> &optionTable();

/// The option with this long name, or null.
const OptionSpec *findOption(const QString &longName);

/// The keys a config file may hold: one per long option that sets something, those that take
/// a value first.
QStringList configKeys();

/// Sets the option `name` (a long option name or config key) from its text. Returns what is
/// wrong with the value, or an empty string.
QString applyOption(const QString &name, const QString &value, CommandLineOptions *options);

} // namespace capture
