#include "core/config/commandline.h"

#include "core/net/address.h"
#include "core/net/portspec.h"
#include "core/util/pathchecks.h"
#include "core/util/printable.h"
#include "core/util/processlimits.h"
#include "core/util/units.h"

#include <QCommandLineParser>
#include <QFile>
#include <QHash>
#include <QRegularExpression>
#include <QSettings>

#include <algorithm>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

// The only option that may be given more than once: each adds networks.
const QString repeatableOption = u"allow"_s;

QString quoted(const QString &value)
{
    return u'\'' + printableValue(value) + u'\'';
}

// Where in a config file something stands: "config file 'X', line 3".
QString configPlace(const QString &path, int line)
{
    const QString file = u"config file '%1'"_s.arg(printablePath(path));
    return line > 0 ? u"%1, line %2"_s.arg(file, QString::number(line)) : file;
}

// The positional form's arguments, by index, and what each must be.
QString positionalError(qsizetype index, const QString &value)
{
    switch (index) {
    case 0:
        return u"invalid ip_address %1: not an IPv4 or IPv6 address"_s.arg(quoted(value));
    case 1:
        return u"invalid base_port %1: expected a port 1-65535"_s.arg(quoted(value));
    case 2:
        return u"invalid num_ports %1: expected a number of ports, 1 or more"_s.arg(quoted(value));
    default:
        return u"expected <ip_address> <base_port> <num_ports>, got the extra argument %1"_s.arg(
            quoted(value));
    }
}

// QCommandLineParser takes "-1" for an option named "1"; in the positional form it is a bad
// number. Finds the first such argument that stands where a positional one does (not as the
// value of an option) and names it; empty if there is none.
QString negativePositionalError(const QStringList &arguments, const QStringList &valueNames)
{
    static const QRegularExpression negative(u"^-\\d"_s);
    qsizetype index = 0;
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString &argument = arguments[i];
        if (argument == u"--")
            break;
        if (negative.match(argument).hasMatch())
            return positionalError(index, argument);
        if (argument.startsWith(u'-') && argument.size() > 1) {
            const QString name = argument.mid(argument.startsWith(u"--") ? 2 : 1);
            if (!name.contains(u'=') && valueNames.contains(name))
                ++i; // its value
            continue;
        }
        ++index;
    }
    return {};
}
} // namespace

QStringList configKeys()
{
    return {u"bind"_s,
            u"ports"_s,
            u"output"_s,
            u"split"_s,
            u"hash"_s,
            u"rotate-size"_s,
            u"rotate-interval"_s,
            u"max-files"_s,
            u"allow"_s,
            u"max-connections"_s,
            u"max-connections-per-port"_s,
            u"idle-timeout"_s,
            u"min-free-space"_s,
            u"tls-cert"_s,
            u"tls-key"_s,
            u"tls-ca"_s,
            u"handshake-timeout"_s,
            u"events"_s,
            u"status"_s,
            u"stats-interval"_s,
            u"drain-timeout"_s,
            u"log-file"_s,
            u"nogui"_s};
}

QString applyOption(const QString &name, const QString &value, CommandLineOptions *options)
{
    CaptureSettings &settings = options->settings;
    if (name == u"bind") {
        const auto address = parseBindAddress(value);
        if (!address)
            return u"not an IPv4 or IPv6 address"_s;
        settings.bindAddress = *address;
    } else if (name == u"ports") {
        const PortSpecResult spec = parsePortSpec(value);
        if (!spec.ok())
            return spec.error;
        settings.ports = spec.ports;
    } else if (name == u"output") {
        if (value.isEmpty())
            return u"give a directory"_s;
        settings.outputDir = value;
    } else if (name == u"split") {
        const auto mode = splitModeFromName(value);
        if (!mode)
            return u"expected port or connection"_s;
        settings.split = *mode;
    } else if (name == u"hash") {
        const auto hash = hashAlgorithmFromName(value);
        if (!hash)
            return u"expected sha256 or none"_s;
        settings.hash = *hash;
    } else if (name == u"rotate-size") {
        const auto size = parseSize(value);
        if (!size)
            return u"expected a size such as 512M or 2G (K, M, G, T: powers of 1024)"_s;
        settings.rotateSize = *size;
    } else if (name == u"rotate-interval") {
        const auto seconds = parseDurationSeconds(value);
        if (!seconds)
            return u"expected a duration such as 90s, 15m, 1h or 1d"_s;
        settings.rotateIntervalSec = *seconds;
    } else if (name == u"max-files") {
        bool ok = false;
        const int n = value.toInt(&ok);
        if (!ok || n < 1 || n > 1000000 || !value.front().isDigit())
            return u"expected a number of files, 1 or more"_s;
        settings.maxFiles = n;
    } else if (name == u"allow") {
        // Repeatable on the command line; a comma list in one value (as in the config file).
        for (const QString &entry : value.split(u',')) {
            const auto subnet = parseAllowEntry(entry);
            if (!subnet)
                return u"%1 is not an IPv4 or IPv6 address or network (CIDR, e.g. "
                       "10.0.0.0/8 or 2001:db8::/32)"_s.arg(quoted(entry.trimmed()));
            settings.allow.append(*subnet);
        }
    } else if (name == u"max-connections" || name == u"max-connections-per-port") {
        bool ok = false;
        const int n = value.toInt(&ok);
        if (!ok || n < 1 || n > 10000000 || !value.front().isDigit())
            return u"expected a number of connections, 1 or more"_s;
        (name == u"max-connections" ? settings.maxConnections : settings.maxConnectionsPerPort) = n;
    } else if (name == u"idle-timeout") {
        const auto ms = parseSecondsToMs(value);
        if (!ms || *ms == 0)
            return u"expected seconds, more than 0"_s;
        settings.idleTimeoutMs = *ms;
    } else if (name == u"min-free-space") {
        const auto size = parseSize(value);
        if (!size)
            return u"expected a size such as 512M or 2G (K, M, G, T: powers of 1024)"_s;
        settings.minFreeSpace = *size;
    } else if (name == u"tls-cert" || name == u"tls-key" || name == u"tls-ca") {
        if (value.isEmpty())
            return u"give a PEM file"_s;
        (name == u"tls-cert"  ? options->tlsFiles.certificate
         : name == u"tls-key" ? options->tlsFiles.key
                              : options->tlsFiles.ca) = value;
    } else if (name == u"handshake-timeout") {
        const auto ms = parseSecondsToMs(value);
        if (!ms || *ms == 0)
            return u"expected seconds, more than 0"_s;
        settings.handshakeTimeoutMs = *ms;
    } else if (name == u"events") {
        if (value.isEmpty())
            return u"give a file name, or - for standard output"_s;
        options->eventsFile = value;
    } else if (name == u"status") {
        const auto endpoint = parseStatusEndpoint(value);
        if (!endpoint)
            return u"expected [ADDRESS:]PORT, e.g. 9100 or 127.0.0.1:9100 or [::1]:9100"_s;
        std::tie(options->statusAddress, options->statusPort) = *endpoint;
    } else if (name == u"stats-interval" || name == u"drain-timeout") {
        const auto ms = parseSecondsToMs(value);
        if (!ms)
            return u"expected seconds, 0 or more"_s;
        (name == u"drain-timeout" ? settings.drainTimeoutMs : options->summaryIntervalMs) = *ms;
    } else if (name == u"log-file") {
        if (value.isEmpty())
            return u"give a file name"_s;
        options->logFile = value;
    } else if (name == u"nogui") {
        static const QStringList yes{u"true"_s, u"yes"_s, u"on"_s, u"1"_s};
        static const QStringList no{u"false"_s, u"no"_s, u"off"_s, u"0"_s};
        if (yes.contains(value.toLower()))
            options->noGui = true;
        else if (no.contains(value.toLower()))
            options->noGui = false;
        else
            return u"expected true or false"_s;
    } else {
        return u"unknown option"_s;
    }
    return {};
}

QString readConfigFile(const QString &path, QList<ConfigEntry> *entries)
{
    QFile file(path);
    // Opening a FIFO or device could block or never end; a config file is a regular file.
    if (const QString kind = nonRegularFileKind(path); !kind.isEmpty())
        return u"cannot read config file '%1': it is %2, not a regular file"_s.arg(
            printablePath(path), kind);
    if (!file.open(QIODevice::ReadOnly))
        return u"cannot read config file '%1': %2"_s.arg(printablePath(path), file.errorString());
    // QSettings only says "format error", and keeps the last of a key given twice: find the
    // line of each key so the user can fix it.
    QHash<QString, int> lineOfKey;
    QString section;
    for (int number = 1; !file.atEnd(); ++number) {
        const QString line = QString::fromUtf8(file.readLine()).trimmed();
        if (line.isEmpty() || line.startsWith(u';'))
            continue;
        if (line.startsWith(u'[') && line.endsWith(u']')) {
            // QSettings files the keys of [General] at the top level.
            section = line.mid(1, line.size() - 2).trimmed();
            if (section.compare(u"General", Qt::CaseInsensitive) == 0)
                section.clear();
            continue;
        }
        if (line.startsWith(u'#'))
            return u"%1: comments start with ';' here, not '#'"_s.arg(configPlace(path, number));
        if (!line.contains(u'='))
            return u"%1: expected key=value, found %2"_s.arg(configPlace(path, number),
                                                             quoted(line));
        QString key = line.left(line.indexOf(u'=')).trimmed();
        if (!section.isEmpty())
            key = section + u'/' + key;
        if (const int first = lineOfKey.value(key); first > 0)
            return u"%1: key %2 given again (first on line %3): %4"_s.arg(
                configPlace(path, number), quoted(key), QString::number(first),
                key == repeatableOption
                    ? u"give it once, with a comma list: allow=\"10.0.0.0/8, ::1\""_s
                    : u"it takes one value"_s);
        lineOfKey.insert(key, number);
    }
    file.close();
    const QSettings ini(path, QSettings::IniFormat);
    if (ini.status() != QSettings::NoError)
        return u"cannot read config file '%1': not in INI format"_s.arg(printablePath(path));
    const QStringList known = configKeys();
    for (const QString &key : ini.allKeys()) {
        if (!known.contains(key))
            return u"%1: unknown key %2 (known keys: %3)"_s.arg(
                configPlace(path, lineOfKey.value(key)), quoted(key), known.join(u", "_s));
        const QVariant value = ini.value(key);
        // An unquoted "5000,5002" comes back from QSettings as a list: it meant one value.
        const QString text = value.typeId() == QMetaType::QStringList
                                 ? value.toStringList().join(u',')
                                 : value.toString();
        entries->append({key, text.trimmed(), lineOfKey.value(key)});
    }
    return {};
}

CommandLineResult parseCommandLine(const QStringList &arguments)
{
    CommandLineResult result;
    auto usageError = [&result](const QString &message) {
        result.action = CommandLineResult::Action::UsageError;
        result.text = message;
        return result;
    };

    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Listens on many TCP ports at once and records every byte each sender streams to it "
        "into files.\n\nCompatible form: capture-receiver [--nogui] <ip_address> <base_port> "
        "<num_ports>\nlistens on base_port ... base_port+num_ports-1.\n\n"
        "capture-receiver verify DIR    checks DIR's files against its manifest.\n"
        "capture-receiver recover DIR   adopts what a crash left in DIR into its manifest."_s);
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    const QCommandLineOption noGuiOption(u"nogui"_s, u"Run headless, without a window."_s);
    const QCommandLineOption bindOption(
        {u"b"_s, u"bind"_s},
        u"Address to listen on: any IPv4 or IPv6 address; :: listens on IPv6 and IPv4 "
        "(default 0.0.0.0)."_s,
        u"address"_s);
    const QCommandLineOption portsOption(
        {u"p"_s, u"ports"_s},
        u"Ports to listen on: a comma list of ports and ranges, e.g. 5000,5002,6000-6010 "
        "(default 5000-5002)."_s,
        u"spec"_s);
    const QCommandLineOption outputOption(
        {u"o"_s, u"output"_s},
        u"Directory for the recorded files, created with its parents (default ./output)."_s,
        u"dir"_s);
    const QCommandLineOption splitOption(
        u"split"_s,
        u"port: one file per port, later connections append (default); connection: one file "
        "per connection."_s,
        u"port|connection"_s);
    const QCommandLineOption hashOption(
        u"hash"_s,
        u"Checksum of each file, computed while writing and recorded in manifest.jsonl in the "
        "output directory: sha256 (default) or none."_s,
        u"sha256|none"_s);
    const QCommandLineOption rotateSizeOption(
        u"rotate-size"_s,
        u"Start a new file when one reaches this size (K, M, G, T: powers of 1024)."_s, u"size"_s);
    const QCommandLineOption rotateIntervalOption(
        u"rotate-interval"_s,
        u"Start a new file at every multiple of this duration of the clock (s, m, h, d; 1h "
        "rotates on the hour)."_s,
        u"duration"_s);
    const QCommandLineOption maxFilesOption(
        u"max-files"_s,
        u"Keep at most N files per port: delete the oldest closed one beyond (default: keep "
        "all)."_s,
        u"n"_s);
    const QCommandLineOption allowOption(
        u"allow"_s,
        u"Accept connections only from this address or network (CIDR: 10.0.0.0/8, "
        "2001:db8::/32); repeatable; others are closed at once (default: everyone)."_s,
        u"cidr"_s);
    const QCommandLineOption maxConnectionsOption(
        u"max-connections"_s,
        u"Close new connections at once while N are open in all (default: no limit)."_s, u"n"_s);
    const QCommandLineOption maxPerPortOption(
        u"max-connections-per-port"_s,
        u"Close new connections to a port at once while N are open on it (default: no "
        "limit)."_s,
        u"n"_s);
    const QCommandLineOption idleTimeoutOption(
        u"idle-timeout"_s,
        u"Close a connection that sent nothing for this many seconds (default: never)."_s,
        u"seconds"_s);
    const QCommandLineOption minFreeSpaceOption(
        u"min-free-space"_s,
        u"Pause reading while the output volume has less free space than SIZE; TCP slows "
        "the senders, nothing is dropped (default: off)."_s,
        u"size"_s);
    const QCommandLineOption tlsCertOption(
        u"tls-cert"_s,
        u"Accept TLS only (1.2 or newer) on every port, with this PEM certificate (chain)."_s,
        u"pem"_s);
    const QCommandLineOption tlsKeyOption(
        u"tls-key"_s, u"The certificate's unencrypted PEM private key."_s, u"pem"_s);
    const QCommandLineOption tlsCaOption(
        u"tls-ca"_s,
        u"Require client certificates that chain to these PEM CA certificates (mutual "
        "TLS); the verified subject is logged and recorded."_s,
        u"pem"_s);
    const QCommandLineOption handshakeTimeoutOption(
        u"handshake-timeout"_s,
        u"Close a TLS connection whose handshake is not done within this many seconds "
        "(default 10)."_s,
        u"seconds"_s);
    const QCommandLineOption eventsOption(
        u"events"_s,
        u"Write every event as one JSON line to this file, or - for standard output."_s, u"file"_s);
    const QCommandLineOption statusOption(
        u"status"_s,
        u"Serve GET /status (JSON), /metrics (Prometheus) and /healthz over HTTP on this "
        "address and port (address default 127.0.0.1)."_s,
        u"[address:]port"_s);
    const QCommandLineOption statsOption(
        u"stats-interval"_s,
        u"Headless: print a summary line every N seconds, 0 = off (default 10)."_s, u"seconds"_s);
    const QCommandLineOption drainOption(
        u"drain-timeout"_s,
        u"On stop, how long to keep reading what peers already sent before closing "
        "(default 2)."_s,
        u"seconds"_s);
    const QCommandLineOption logFileOption(u"log-file"_s, u"Also append the log to this file."_s,
                                           u"file"_s);
    const QCommandLineOption configOption(
        {u"c"_s, u"config"_s},
        u"Read settings from this INI file: one key per long option (%1). Command-line "
        "options override it."_s.arg(configKeys().join(u", "_s)),
        u"file"_s);
    parser.addOptions({noGuiOption,
                       configOption,
                       bindOption,
                       portsOption,
                       outputOption,
                       splitOption,
                       hashOption,
                       rotateSizeOption,
                       rotateIntervalOption,
                       maxFilesOption,
                       allowOption,
                       maxConnectionsOption,
                       maxPerPortOption,
                       idleTimeoutOption,
                       minFreeSpaceOption,
                       tlsCertOption,
                       tlsKeyOption,
                       tlsCaOption,
                       handshakeTimeoutOption,
                       eventsOption,
                       statusOption,
                       statsOption,
                       drainOption,
                       logFileOption});
    // The options that take a value and can also come from the config file, by long name.
    const QList<QCommandLineOption> valueOptions{bindOption,
                                                 portsOption,
                                                 outputOption,
                                                 splitOption,
                                                 hashOption,
                                                 rotateSizeOption,
                                                 rotateIntervalOption,
                                                 maxFilesOption,
                                                 allowOption,
                                                 maxConnectionsOption,
                                                 maxPerPortOption,
                                                 idleTimeoutOption,
                                                 minFreeSpaceOption,
                                                 tlsCertOption,
                                                 tlsKeyOption,
                                                 tlsCaOption,
                                                 handshakeTimeoutOption,
                                                 eventsOption,
                                                 statusOption,
                                                 statsOption,
                                                 drainOption,
                                                 logFileOption};
    parser.addPositionalArgument(u"ip_address"_s, u"Compatible form: address to listen on."_s,
                                 u"[<ip_address>"_s);
    parser.addPositionalArgument(u"base_port"_s, u"Compatible form: first port."_s,
                                 u"<base_port>"_s);
    parser.addPositionalArgument(u"num_ports"_s, u"Compatible form: number of ports."_s,
                                 u"<num_ports>]"_s);

    if (!parser.parse(arguments)) {
        const QStringList unknown = parser.unknownOptionNames();
        static const QRegularExpression number(u"^\\d"_s);
        if (!unknown.isEmpty() &&
            std::all_of(unknown.cbegin(), unknown.cend(),
                        [](const QString &name) { return number.match(name).hasMatch(); })) {
            QStringList valueNames = configOption.names();
            for (const QCommandLineOption &option : valueOptions)
                valueNames += option.names();
            const QString error = negativePositionalError(arguments, valueNames);
            if (!error.isEmpty())
                return usageError(error);
        }
        if (!unknown.isEmpty())
            return usageError(u"unknown option %1 (see --help)"_s.arg(quoted(unknown.first())));
        return usageError(printableValue(parser.errorText(), printablePathLength));
    }
    if (parser.isSet(helpOption)) {
        result.action = CommandLineResult::Action::ShowHelp;
        result.text = parser.helpText();
        // Qt names the program by the path it was run as; users know it by its name.
        static const QRegularExpression usageLine(u"^Usage: \\S+"_s);
        result.text.replace(usageLine, u"Usage: "_s + QCoreApplication::applicationName());
        return result;
    }
    if (parser.isSet(versionOption)) {
        result.action = CommandLineResult::Action::ShowVersion;
        result.text =
            QCoreApplication::applicationName() + u' ' + QCoreApplication::applicationVersion();
        return result;
    }

    CommandLineOptions &options = result.options;
    CaptureSettings &settings = options.settings;
    settings.ports = {5000, 5001, 5002};

    // An option that takes one value, given twice, is a mistake: neither one wins silently.
    for (const QCommandLineOption &option : valueOptions + QList{configOption}) {
        const QString name = option.names().constLast();
        const QStringList values = parser.values(option);
        if (values.size() < 2 || name == repeatableOption)
            continue;
        QStringList shown;
        for (const QString &value : values)
            shown.append(quoted(value));
        const QString times = values.size() == 2 ? u"twice"_s : u"%1 times"_s.arg(values.size());
        return usageError(
            u"--%1 given %2 (%3): it takes one value"_s.arg(name, times, shown.join(u", "_s)));
    }

    const QStringList positional = parser.positionalArguments();
    if (!positional.isEmpty()) {
        if (positional.size() != 3)
            return usageError(u"expected <ip_address> <base_port> <num_ports>, got %1 "
                              "argument(s): %2"_s.arg(QString::number(positional.size()),
                                                      printableValue(positional.join(u' '))));
        if (parser.isSet(bindOption) || parser.isSet(portsOption))
            return usageError(
                u"the form <ip_address> <base_port> <num_ports> (%1) cannot be "
                "combined with --bind or --ports"_s.arg(printableValue(positional.join(u' '))));
        const auto address = parseBindAddress(positional[0]);
        if (!address)
            return usageError(positionalError(0, positional[0]));
        const auto base = parsePort(positional[1]);
        if (!base)
            return usageError(positionalError(1, positional[1]));
        bool ok = false;
        const uint count = positional[2].toUInt(&ok);
        if (!ok || count == 0 || !positional[2].front().isDigit())
            return usageError(positionalError(2, positional[2]));
        if (quint64(*base) + count - 1 > 65535)
            return usageError(u"invalid num_ports %1: ports %2-%3 run past 65535"_s.arg(
                quoted(positional[2]), QString::number(*base),
                QString::number(quint64(*base) + count - 1)));
        settings.bindAddress = *address;
        settings.ports.clear();
        for (uint i = 0; i < count; ++i)
            settings.ports.append(quint16(*base + i));
        options.portsGiven = true;
        options.givenOptions << u"bind"_s << u"ports"_s;
    }

    // What each option was given as, and the config file's line for those from the file: a
    // check made once all are known names the value where the user wrote it.
    QHash<QString, QString> givenText;
    QHash<QString, int> configLine;
    QString configPath;
    auto valueError = [&](const QString &name, const QString &problem) {
        const QString value = quoted(givenText.value(name));
        if (configLine.contains(name))
            return u"%1: invalid value for key '%2': %3: %4"_s.arg(
                configPlace(configPath, configLine.value(name)), name, value, problem);
        return u"invalid --%1 %2: %3"_s.arg(name, value, problem);
    };

    // Command-line options first; the config file fills in only what they left out.
    for (const QCommandLineOption &option : valueOptions) {
        if (!parser.isSet(option))
            continue;
        const QString name = option.names().constLast();
        // Every occurrence: --allow is repeatable (the others were given once).
        for (const QString &value : parser.values(option)) {
            givenText.insert(name, value);
            const QString problem = applyOption(name, value, &options);
            if (!problem.isEmpty())
                return usageError(valueError(name, problem));
        }
        options.givenOptions.insert(name);
    }
    if (parser.isSet(noGuiOption))
        options.noGui = true;
    if (parser.isSet(configOption)) {
        configPath = parser.value(configOption);
        QList<ConfigEntry> entries;
        const QString problem = readConfigFile(configPath, &entries);
        if (!problem.isEmpty())
            return usageError(problem);
        for (const ConfigEntry &entry : std::as_const(entries)) {
            // What the command line gives is checked in the file too: the service reads the
            // same file without it.
            const bool overridden = options.givenOptions.contains(entry.key) ||
                                    (entry.key == u"nogui" && parser.isSet(noGuiOption));
            CommandLineOptions unused;
            const QString error =
                applyOption(entry.key, entry.value, overridden ? &unused : &options);
            if (!error.isEmpty())
                return usageError(u"%1: invalid value for key '%2': %3: %4"_s.arg(
                    configPlace(configPath, entry.line), entry.key, quoted(entry.value), error));
            if (overridden)
                continue;
            givenText.insert(entry.key, entry.value);
            configLine.insert(entry.key, entry.line);
            if (entry.key != u"nogui")
                options.givenOptions.insert(entry.key);
        }
        options.configFile = configPath;
    }
    options.portsGiven = options.givenOptions.contains(u"ports"_s);

    // Opening a FIFO would block the start-up with no word; a socket or device is no log.
    for (const auto &[name, path] :
         {std::pair{u"log-file"_s, options.logFile}, std::pair{u"events"_s, options.eventsFile}}) {
        if (path.isEmpty() || (name == u"events" && path == u"-"))
            continue;
        if (const QString kind = nonRegularFileKind(path); !kind.isEmpty())
            return usageError(valueError(name, u"it is %1, not a regular file"_s.arg(kind)));
    }
    // Waiting for more free space than the whole volume holds would wait forever.
    if (settings.minFreeSpace > 0) {
        const auto volume = volumeSize(settings.outputDir.isEmpty() ? u"."_s : settings.outputDir);
        if (volume && settings.minFreeSpace > volume->bytes)
            return usageError(
                valueError(u"min-free-space"_s,
                           u"more than the whole output volume holds (%1 at %2)"_s.arg(
                               formatBytes(volume->bytes), printablePath(volume->measured))));
    }

    const TlsFiles &tls = options.tlsFiles;
    if (!tls.certificate.isEmpty() || !tls.key.isEmpty() || !tls.ca.isEmpty()) {
        QString error;
        settings.tls = loadTlsConfiguration(tls, &error, &options.tlsWarning);
        if (!settings.tls)
            return usageError(error);
        settings.tlsFiles = tls;
    }
    if (options.statusPort != 0 && settings.ports.contains(options.statusPort))
        return usageError(u"invalid --status '%1': port %2 is also a capture port"_s
                              .arg(endpointText(options.statusAddress, options.statusPort))
                              .arg(options.statusPort));
    const quint64 needed = openFilesNeeded(settings.ports.size());
    const quint64 limit = openFileHardLimit();
    if (needed > limit)
        return usageError(u"too many ports: %1 ports need at least %2 open files, but this "
                          "process may open at most %3 (ulimit -Hn)"_s.arg(settings.ports.size())
                              .arg(needed)
                              .arg(limit));
    return result;
}

} // namespace capture
