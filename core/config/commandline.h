#pragma once

#include "core/capture/capturesettings.h"
#include "core/tls/tlsconfig.h"

#include <QSet>
#include <QString>
#include <QStringList>

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
};

/// What to do after parsing the command line.
struct CommandLineResult
{
    enum class Action { Run, ShowHelp, ShowVersion, UsageError };

    Action action = Action::Run;
    CommandLineOptions options;
    QString text; ///< help or version text, or the one-line usage error
};

/// Parses the full argument list (argv[0] first). Never exits and never touches the disk:
/// a usage error comes back as Action::UsageError with one line naming the bad value.
/// Needs a Q(Core)Application instance for the help text.
CommandLineResult parseCommandLine(const QStringList &arguments);

/// The keys a config file may hold: one per long option that sets something.
QStringList configKeys();

/// Sets the option `name` (a long option name or config key) from its text. Returns what is
/// wrong with the value, or an empty string.
QString applyOption(const QString &name, const QString &value, CommandLineOptions *options);

/// One key of a config file, with the line it stands on (0 if it could not be told).
struct ConfigEntry
{
    QString key;
    QString value;
    int line = 0;
};

/// Reads an INI config file (QSettings IniFormat, keys at the top level). Returns a one-line
/// message naming the file (and the line or key) on failure, or an empty string. A key given
/// twice is a failure.
QString readConfigFile(const QString &path, QList<ConfigEntry> *entries);

} // namespace capture
