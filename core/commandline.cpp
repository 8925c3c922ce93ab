#include "commandline.h"

#include "portspec.h"

#include <QCommandLineParser>
#include <QRegularExpression>

#include <cmath>
#include <sys/resource.h>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {
constexpr int maxSeconds = 7 * 24 * 3600;
constexpr quint64 reservedFiles = 32;
} // namespace

std::optional<int> parseSecondsToMs(const QString &text)
{
    static const QRegularExpression pattern(u"^\\d{1,9}(\\.\\d{1,3})?$"_s);
    if (!pattern.match(text).hasMatch())
        return std::nullopt;
    const double seconds = text.toDouble();
    if (seconds > maxSeconds)
        return std::nullopt;
    return int(std::lround(seconds * 1000.0));
}

quint64 openFileHardLimit()
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_max == RLIM_INFINITY)
        return std::numeric_limits<quint64>::max();
    return quint64(limit.rlim_max);
}

quint64 raiseOpenFileLimit()
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return 0;
    if (limit.rlim_cur != limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &limit) != 0)
            ::getrlimit(RLIMIT_NOFILE, &limit);
    }
    return limit.rlim_cur == RLIM_INFINITY ? std::numeric_limits<quint64>::max()
                                           : quint64(limit.rlim_cur);
}

quint64 openFilesNeeded(qsizetype portCount)
{
    return quint64(portCount) * 3 + reservedFiles;
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
        "<num_ports>\nlistens on base_port ... base_port+num_ports-1."_s);
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
    parser.addOptions({noGuiOption, bindOption, portsOption, outputOption, splitOption, statsOption,
                       drainOption, logFileOption});
    parser.addPositionalArgument(u"ip_address"_s, u"Compatible form: address to listen on."_s,
                                 u"[<ip_address>"_s);
    parser.addPositionalArgument(u"base_port"_s, u"Compatible form: first port."_s,
                                 u"<base_port>"_s);
    parser.addPositionalArgument(u"num_ports"_s, u"Compatible form: number of ports."_s,
                                 u"<num_ports>]"_s);

    if (!parser.parse(arguments))
        return usageError(parser.errorText());
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
    options.noGui = parser.isSet(noGuiOption);
    settings.ports = {5000, 5001, 5002};

    const QStringList positional = parser.positionalArguments();
    if (!positional.isEmpty()) {
        if (positional.size() != 3)
            return usageError(u"expected <ip_address> <base_port> <num_ports>, got %1 "
                              "argument(s): %2"_s.arg(positional.size())
                                  .arg(positional.join(u' ')));
        if (parser.isSet(bindOption) || parser.isSet(portsOption))
            return usageError(u"the form <ip_address> <base_port> <num_ports> (%1) cannot be "
                              "combined with --bind or --ports"_s.arg(positional.join(u' ')));
        const auto address = parseBindAddress(positional[0]);
        if (!address)
            return usageError(
                u"invalid ip_address '%1': not an IPv4 or IPv6 address"_s.arg(positional[0]));
        const auto base = parsePort(positional[1]);
        if (!base)
            return usageError(
                u"invalid base_port '%1': expected a port 1-65535"_s.arg(positional[1]));
        bool ok = false;
        const uint count = positional[2].toUInt(&ok);
        if (!ok || count == 0 || !positional[2].front().isDigit())
            return usageError(u"invalid num_ports '%1': expected a number of ports, 1 or "
                              "more"_s.arg(positional[2]));
        if (quint64(*base) + count - 1 > 65535)
            return usageError(
                u"invalid num_ports '%1': ports %2-%3 run past 65535"_s.arg(positional[2])
                    .arg(*base)
                    .arg(quint64(*base) + count - 1));
        settings.bindAddress = *address;
        settings.ports.clear();
        for (uint i = 0; i < count; ++i)
            settings.ports.append(quint16(*base + i));
        options.portsGiven = true;
        options.givenOptions << u"bind"_s << u"ports"_s;
    }
    for (const QCommandLineOption &option :
         {bindOption, portsOption, outputOption, splitOption, statsOption, drainOption}) {
        if (parser.isSet(option))
            options.givenOptions.insert(option.names().constLast());
    }

    if (parser.isSet(bindOption)) {
        const QString text = parser.value(bindOption);
        const auto address = parseBindAddress(text);
        if (!address)
            return usageError(u"invalid --bind '%1': not an IPv4 or IPv6 address"_s.arg(text));
        settings.bindAddress = *address;
    }
    if (parser.isSet(portsOption)) {
        const PortSpecResult spec = parsePortSpec(parser.value(portsOption));
        if (!spec.ok())
            return usageError(u"invalid --ports: %1"_s.arg(spec.error));
        settings.ports = spec.ports;
        options.portsGiven = true;
    }
    if (parser.isSet(outputOption)) {
        settings.outputDir = parser.value(outputOption);
        if (settings.outputDir.isEmpty())
            return usageError(u"invalid --output '': give a directory"_s);
    }
    if (parser.isSet(splitOption)) {
        const QString text = parser.value(splitOption);
        const auto mode = splitModeFromName(text);
        if (!mode)
            return usageError(u"invalid --split '%1': expected port or connection"_s.arg(text));
        settings.split = *mode;
    }
    // Both take seconds; the message names the option and the value.
    const auto readSeconds = [&](const QCommandLineOption &option, int *target) {
        if (!parser.isSet(option))
            return true;
        const QString text = parser.value(option);
        const auto ms = parseSecondsToMs(text);
        if (!ms) {
            usageError(u"invalid --%1 '%2': expected seconds, 0 or more"_s.arg(
                option.names().constLast(), text));
            return false;
        }
        *target = *ms;
        return true;
    };
    if (!readSeconds(statsOption, &options.summaryIntervalMs) ||
        !readSeconds(drainOption, &settings.drainTimeoutMs))
        return result;
    if (parser.isSet(logFileOption)) {
        options.logFile = parser.value(logFileOption);
        if (options.logFile.isEmpty())
            return usageError(u"invalid --log-file '': give a file name"_s);
    }

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
