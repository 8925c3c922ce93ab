#include "core/config/commandline.h"

#include "core/config/optionchecks.h"
#include "core/net/address.h"
#include "core/net/portspec.h"
#include "core/util/pathchecks.h"
#include "core/util/printable.h"
#include "core/util/units.h"

#include <QCommandLineParser>
#include <QHash>
#include <QRegularExpression>

#include <algorithm>
#include <optional>
#include <vector>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

/// What is wrong with --connect and the options that go with it (or with others given beside
/// it, which would apply to a capture here), or an empty string.
QString connectProblem(const CommandLineOptions &options)
{
    if (options.connectUrl.isEmpty()) {
        if (!options.connectTokenFile.isEmpty() || !options.connectCaFile.isEmpty())
            return u"--token-file and --ca-file go with --connect"_s;
        return {};
    }
    if (!options.connectCaFile.isEmpty() && options.connectUrl.scheme() != u"https")
        return u"--ca-file needs an https:// --connect address"_s;
    if (options.noGui)
        return u"--connect opens the desktop window: it cannot be combined with --nogui"_s;
    QStringList others = options.givenOptions.values();
    others.sort();
    for (const QString &name : std::as_const(others)) {
        if (name != u"connect" && name != u"token-file" && name != u"ca-file" &&
            name != u"log-file")
            return u"--connect shows a receiver elsewhere: --%1 would apply to a capture "
                   "here"_s.arg(name);
    }
    return {};
}
// The positional form's arguments, by index, and what each must be.
QString positionalError(qsizetype index, const QString &value)
{
    switch (index) {
    case 0:
        return u"invalid ip_address %1: not an IPv4 or IPv6 address"_s.arg(quotedValue(value));
    case 1:
        return u"invalid base_port %1: expected a port 1-65535"_s.arg(quotedValue(value));
    case 2:
        return u"invalid num_ports %1: expected a number of ports, 1 or more"_s.arg(
            quotedValue(value));
    default:
        return u"expected <ip_address> <base_port> <num_ports>, got the extra argument %1"_s.arg(
            quotedValue(value));
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
    // Every option of the table, in its order. Kept apart: those that set something (in the
    // same order; most may also stand in the config file), and --config and --nogui, handled
    // below.
    std::vector<std::pair<const OptionSpec *, QCommandLineOption>> valueOptions;
    std::optional<QCommandLineOption> configOption;
    std::optional<QCommandLineOption> noGuiOption;
    for (const OptionSpec &spec : optionTable()) {
        const QCommandLineOption option =
            spec.takesValue() ? QCommandLineOption(spec.names, spec.help, spec.valueName)
                              : QCommandLineOption(spec.names, spec.help);
        parser.addOption(option);
        if (spec.longName() == u"config")
            configOption = option;
        else if (spec.longName() == u"nogui")
            noGuiOption = option;
        else if (spec.apply)
            valueOptions.emplace_back(&spec, option);
    }
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
            QStringList valueNames = configOption->names();
            for (const auto &[spec, option] : valueOptions)
                valueNames += option.names();
            const QString error = negativePositionalError(arguments, valueNames);
            if (!error.isEmpty())
                return usageError(error);
        }
        if (!unknown.isEmpty())
            return usageError(
                u"unknown option %1 (see --help)"_s.arg(quotedValue(unknown.first())));
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
    std::vector<std::pair<const OptionSpec *, QCommandLineOption>> onceOptions = valueOptions;
    onceOptions.emplace_back(findOption(u"config"_s), *configOption);
    for (const auto &[spec, option] : onceOptions) {
        const QString name = spec->longName();
        const QStringList values = parser.values(option);
        if (values.size() < 2 || spec->repeatable)
            continue;
        QStringList shown;
        for (const QString &value : values)
            shown.append(quotedValue(value));
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
        if (parser.isSet(u"bind"_s) || parser.isSet(u"ports"_s))
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
                quotedValue(positional[2]), QString::number(*base),
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
        const QString value = quotedValue(givenText.value(name));
        if (configLine.contains(name))
            return u"%1: invalid value for key '%2': %3: %4"_s.arg(
                configFilePlace(configPath, configLine.value(name)), name, value, problem);
        return u"invalid --%1 %2: %3"_s.arg(name, value, problem);
    };

    // Command-line options first; the config file fills in only what they left out.
    for (const auto &[spec, option] : valueOptions) {
        if (!parser.isSet(option))
            continue;
        const QString name = spec->longName();
        // Every occurrence: --allow is repeatable (the others were given once). A switch
        // (--idle) is set as a config file would set it.
        const QStringList values =
            spec->takesValue() ? parser.values(option) : QStringList{u"true"_s};
        for (const QString &value : values) {
            givenText.insert(name, value);
            const QString problem = spec->apply(value, &options);
            if (!problem.isEmpty())
                return usageError(valueError(name, problem));
        }
        options.givenOptions.insert(name);
    }
    if (parser.isSet(*noGuiOption))
        options.noGui = true;
    if (parser.isSet(*configOption)) {
        configPath = parser.value(*configOption);
        QList<ConfigEntry> entries;
        const QString problem = readConfigFile(configPath, &entries);
        if (!problem.isEmpty())
            return usageError(problem);
        for (const ConfigEntry &entry : std::as_const(entries)) {
            // What the command line gives is checked in the file too: the service reads the
            // same file without it.
            const bool overridden = options.givenOptions.contains(entry.key) ||
                                    (entry.key == u"nogui" && parser.isSet(*noGuiOption));
            CommandLineOptions unused;
            const QString error =
                applyOption(entry.key, entry.value, overridden ? &unused : &options);
            if (!error.isEmpty())
                return usageError(u"%1: invalid value for key '%2': %3: %4"_s.arg(
                    configFilePlace(configPath, entry.line), entry.key, quotedValue(entry.value),
                    error));
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
    // UDP alone: the default TCP ports are not listened on.
    if (options.givenOptions.contains(u"udp-ports"_s)) {
        options.portsGiven = true;
        if (!options.givenOptions.contains(u"ports"_s))
            settings.ports.clear();
    }

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
    const TlsFiles &statusTls = options.statusTlsFiles;
    if (!statusTls.certificate.isEmpty() || !statusTls.key.isEmpty()) {
        if (options.statusPort == 0)
            return usageError(u"--status-tls-cert and --status-tls-key need --status"_s);
        QString error;
        QString warning;
        options.statusTls = loadTlsConfiguration(statusTls, &error, &warning);
        if (!options.statusTls)
            return usageError(error);
        if (!warning.isEmpty())
            options.tlsWarning += (options.tlsWarning.isEmpty() ? u""_s : u"\n"_s) + warning;
    }
    if (const QString problem = connectProblem(options); !problem.isEmpty())
        return usageError(problem);
    if (settings.proxyProtocol && settings.proxyFrom.isEmpty())
        return usageError(u"--proxy-protocol needs --proxy-from: the load balancers that may "
                          "send the header (e.g. --proxy-from 10.0.0.5)"_s);
    if (!settings.proxyProtocol && !settings.proxyFrom.isEmpty())
        return usageError(u"--proxy-from needs --proxy-protocol (without it no PROXY header is "
                          "read)"_s);
    if (!options.controlToken.isEmpty() && options.statusPort == 0)
        return usageError(u"--control-token-file needs --status (the control API is served "
                          "there)"_s);
    if (options.idle && options.controlToken.isEmpty())
        return usageError(u"--idle needs --control-token-file: nothing else could start the "
                          "capture"_s);
    if (options.statusPort != 0 && settings.ports.contains(options.statusPort))
        return usageError(u"invalid --status '%1': port %2 is also a capture port"_s
                              .arg(endpointText(options.statusAddress, options.statusPort))
                              .arg(options.statusPort));
    if (const QString problem = portCountProblem(settings.ports.size() + settings.udpPorts.size());
        !problem.isEmpty())
        return usageError(problem);
    if (const QString problem = nameTemplateProblem(settings); !problem.isEmpty())
        return usageError(valueError(u"name-template"_s, problem));
    if (const QString problem = doneDirProblem(settings); !problem.isEmpty())
        return usageError(valueError(u"done-dir"_s, problem));
    return result;
}

} // namespace capture
