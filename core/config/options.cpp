#include "core/config/options.h"

#include "core/config/optionchecks.h"

#include <algorithm>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

// Applies a checked value to its target: returns the problem, or an empty string.
template<typename T, typename Target> QString store(Checked<T> checked, Target *target)
{
    if (!checked.value)
        return checked.problem;
    *target = std::move(*checked.value);
    return {};
}

// Repeatable CIDR lists (--allow, --proxy-from): each value adds its networks.
QString addNetworks(const QString &value, QList<std::pair<QHostAddress, int>> *list)
{
    Checked<QList<std::pair<QHostAddress, int>>> networks = checkAllowList(value);
    if (networks.value)
        list->append(*networks.value);
    return networks.problem;
}

QList<OptionSpec> makeTable()
{
    using O = CommandLineOptions;
    QList<OptionSpec> table{
        {{u"nogui"_s},
         {},
         u"Run headless, without a window."_s,
         true,
         false,
         [](const QString &v, O *o) { return store(checkSwitch(v), &o->noGui); }},
        {{u"c"_s, u"config"_s},
         u"file"_s,
         u"Read settings from this INI file: one key per long option (%1). Command-line "
         "options override it."_s,
         false,
         false,
         nullptr},
        {{u"b"_s, u"bind"_s},
         u"address"_s,
         u"Address to listen on: any IPv4 or IPv6 address; :: listens on IPv6 and IPv4 "
         "(default 0.0.0.0)."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkBindAddress(v), &o->settings.bindAddress);
         }},
        {{u"p"_s, u"ports"_s},
         u"spec"_s,
         u"Ports to listen on: a comma list of ports and ranges, e.g. 5000,5002,6000-6010 "
         "(default 5000-5002)."_s,
         true,
         false,
         [](const QString &v, O *o) { return store(checkPorts(v), &o->settings.ports); }},
        {{u"o"_s, u"output"_s},
         u"dir"_s,
         u"Directory for the recorded files, created with its parents (default ./output)."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkNotEmpty(v, u"give a directory"_s), &o->settings.outputDir);
         }},
        {{u"split"_s},
         u"port|connection"_s,
         u"port: one file per port, later connections append (default); connection: one file "
         "per connection."_s,
         true,
         false,
         [](const QString &v, O *o) { return store(checkSplitMode(v), &o->settings.split); }},
        {{u"udp-ports"_s},
         u"spec"_s,
         u"UDP ports to record, in the syntax of --ports (a port may be in both; either may be "
         "given alone): each datagram whole, in --udp-format, per port or per source "
         "address:port with --split connection; the kernel's drops are counted and reported."_s,
         true,
         false,
         [](const QString &v, O *o) { return store(checkPorts(v), &o->settings.udpPorts); }},
        {{u"udp-format"_s},
         u"pcap|raw|length-prefixed"_s,
         u"How datagrams go into the UDP ports' files: pcap (default; each datagram with its "
         "kernel receive time behind IP and UDP headers from its real sender, for Wireshark "
         "and tshark), raw (payloads one after another) or length-prefixed (each payload "
         "after its length, 4 bytes big-endian)."_s,
         true,
         false,
         [](const QString &v, O *o) { return store(checkUdpFormat(v), &o->settings.udpFormat); }},
        {{u"udp-buffer"_s},
         u"size"_s,
         u"Receive buffer asked for each UDP socket (default 8M; 4K to 2G): SO_RCVBUFFORCE "
         "when permitted, else SO_RCVBUF, capped by net.core.rmem_max (a warning says what "
         "was granted)."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkUdpBuffer(v), &o->settings.udpBufferSize);
         }},
        {{u"run"_s},
         u"n"_s,
         u"Run number (0 to 2147483647, default 0): recorded in every manifest line, event and "
         "/status, and {run} in --name-template; New run in the window adds one."_s,
         true,
         false,
         [](const QString &v, O *o) { return store(checkRunNumber(v), &o->settings.run); }},
        {{u"name-template"_s},
         u"template"_s,
         u"File names below --output, '/' making sub-directories: {port}, {ts} "
         "(YYYYMMDD_HHMMSS), {date}, {time}, {run}, {seq} (number of the file within its port "
         "and run), {peer} and {peerport} (--split connection), {host}; {run:06} zero-pads "
         "(default stream_{port}_{ts}.bin, per connection stream_{port}_{ts}_{peer}_{peerport}"
         ".bin)."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkNameTemplate(v), &o->settings.nameTemplate);
         }},
        {{u"hash"_s},
         u"xxh128|sha256|none"_s,
         u"Digest of each file, computed while writing and recorded in manifest.jsonl in the "
         "output directory under its name: xxh128 (default; XXH3 128-bit, at memory speed, "
         "detects corruption, check with xxhsum -H2), sha256 (cryptographic, about a tenth of "
         "the speed, check with sha256sum) or none."_s,
         true,
         false,
         [](const QString &v, O *o) { return store(checkHash(v), &o->settings.hash); }},
        {{u"rotate-size"_s},
         u"size"_s,
         u"Start a new file when one reaches this size (K, M, G, T: powers of 1024)."_s,
         true,
         false,
         [](const QString &v, O *o) { return store(checkSize(v), &o->settings.rotateSize); }},
        {{u"rotate-interval"_s},
         u"duration"_s,
         u"Start a new file at every multiple of this duration of the clock (s, m, h, d; 1h "
         "rotates on the hour)."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkDuration(v), &o->settings.rotateIntervalSec);
         }},
        {{u"done-dir"_s},
         u"dir"_s,
         u"Move each closed file here (rename(2), keeping its name below --output) once its "
         "digest is final, before its manifest line (which records where it is) and its "
         "--on-file-closed command, so that whoever takes files from DIR only sees complete "
         "ones; same file system as --output; made if missing."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkNotEmpty(v, u"give a directory"_s), &o->settings.doneDir);
         }},
        {{u"on-file-closed"_s},
         u"command"_s,
         u"Run COMMAND for every closed file, after its manifest line (and --done-dir move): "
         "split into words as a shell would but run directly, the file's path appended, "
         "CAPTURE_FILE, CAPTURE_PORT, CAPTURE_RUN, CAPTURE_BYTES, CAPTURE_DIGEST, "
         "CAPTURE_DIGEST_ALGORITHM and CAPTURE_CLOSE_REASON in its environment. Also for the "
         "files closed at stop; the exit waits for them."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkHookCommand(v), &o->settings.onFileClosed);
         }},
        {{u"hook-jobs"_s},
         u"n"_s,
         u"--on-file-closed commands running at once, the rest waiting in order (default 2)."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkCount(v, 64, u"commands"_s), &o->settings.hookJobs);
         }},
        {{u"hook-queue"_s},
         u"n"_s,
         u"--on-file-closed commands that may wait for a free job (default 10000); beyond, a "
         "file's command is not run, which is logged as an error and counted."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkCount(v, 1000000, u"commands"_s), &o->settings.hookQueue);
         }},
        {{u"hook-timeout"_s},
         u"duration"_s,
         u"Stop an --on-file-closed command still running after this long: SIGTERM, then "
         "SIGKILL 5 s later (s, m, h, d; default 300s)."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkDuration(v), &o->settings.hookTimeoutSec);
         }},
        {{u"stop-after"_s},
         u"duration"_s,
         u"Stop gracefully, as on SIGTERM, once the capture has run this long (s, m, h, d); "
         "exit status 0."_s,
         true,
         false,
         [](const QString &v, O *o) { return store(checkDuration(v), &o->settings.stopAfterSec); }},
        {{u"stop-after-bytes"_s},
         u"size"_s,
         u"Stop gracefully once this many bytes were received, all ports together (K, M, G, "
         "T: powers of 1024; checked 4 times a second, and the drain still takes in what peers "
         "had sent)."_s,
         true,
         false,
         [](const QString &v, O *o) { return store(checkSize(v), &o->settings.stopAfterBytes); }},
        {{u"stop-after-files"_s},
         u"n"_s,
         u"Stop gracefully once this many files were closed, all ports together (files still "
         "open then are closed by the stop)."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkCount(v, 100000000, u"files"_s), &o->settings.stopAfterFiles);
         }},
        {{u"max-files"_s},
         u"n"_s,
         u"Keep at most N files per port: delete the oldest closed one beyond (default: keep "
         "all)."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkCount(v, 1000000, u"files"_s), &o->settings.maxFiles);
         }},
        {{u"allow"_s},
         u"cidr"_s,
         u"Accept connections only from this address or network (CIDR: 10.0.0.0/8, "
         "2001:db8::/32); repeatable; others are closed at once, their datagrams not recorded "
         "(default: everyone)."_s,
         true,
         true,
         // Repeatable on the command line; a comma list in one value (as in the config file).
         [](const QString &v, O *o) { return addNetworks(v, &o->settings.allow); }},
        {{u"max-connections"_s},
         u"n"_s,
         u"Close new connections at once while N are open in all (UDP --split connection: "
         "sources with a file open; default: no limit)."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkCount(v, 10000000, u"connections"_s), &o->settings.maxConnections);
         }},
        {{u"max-connections-per-port"_s},
         u"n"_s,
         u"Close new connections to a port at once while N are open on it (UDP --split "
         "connection: sources with a file open; default: no limit)."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkCount(v, 10000000, u"connections"_s),
                          &o->settings.maxConnectionsPerPort);
         }},
        {{u"idle-timeout"_s},
         u"seconds"_s,
         u"Close a connection (UDP --split connection: a source's file) that sent nothing "
         "for this many seconds (default: never)."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkSeconds(v, false), &o->settings.idleTimeoutMs);
         }},
        {{u"min-free-space"_s},
         u"size"_s,
         u"Pause reading while the output volume has less free space than SIZE; TCP slows "
         "the senders, nothing is dropped (default: off)."_s,
         true,
         false,
         [](const QString &v, O *o) { return store(checkSize(v), &o->settings.minFreeSpace); }},
        {{u"tls-cert"_s},
         u"pem"_s,
         u"Accept TLS only (1.2 or newer) on every port, with this PEM certificate (chain)."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkNotEmpty(v, u"give a PEM file"_s), &o->tlsFiles.certificate);
         }},
        {{u"tls-key"_s},
         u"pem"_s,
         u"The certificate's unencrypted PEM private key."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkNotEmpty(v, u"give a PEM file"_s), &o->tlsFiles.key);
         }},
        {{u"tls-ca"_s},
         u"pem"_s,
         u"Require client certificates that chain to these PEM CA certificates (mutual "
         "TLS); the verified subject is logged and recorded."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkNotEmpty(v, u"give a PEM file"_s), &o->tlsFiles.ca);
         }},
        {{u"handshake-timeout"_s},
         u"seconds"_s,
         u"Close a connection whose TLS handshake, or PROXY header, is not done within this "
         "many seconds (default 10)."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkSeconds(v, false), &o->settings.handshakeTimeoutMs);
         }},
        {{u"proxy-protocol"_s},
         {},
         u"Every connection starts with a PROXY protocol v1 or v2 header (HAProxy's send-proxy, "
         "send-proxy-v2), read before anything else: the client it names is the connection's "
         "peer (file names, --allow, manifest). Needs --proxy-from."_s,
         true,
         false,
         [](const QString &v, O *o) { return store(checkSwitch(v), &o->settings.proxyProtocol); }},
        {{u"proxy-from"_s},
         u"cidr"_s,
         u"With --proxy-protocol: the load balancers (address or CIDR network) that may "
         "connect and send the header; repeatable; connections from anyone else are refused."_s,
         true,
         true,
         [](const QString &v, O *o) { return addNetworks(v, &o->settings.proxyFrom); }},
        {{u"events"_s},
         u"file"_s,
         u"Write every event as one JSON line to this file, or - for standard output."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkNotEmpty(v, u"give a file name, or - for standard output"_s),
                          &o->eventsFile);
         }},
        {{u"status"_s},
         u"[address:]port"_s,
         u"Serve GET /status (JSON), /metrics (Prometheus), /healthz, /events (Server-Sent "
         "Events) and a web dashboard at / over HTTP on this address and port (address default "
         "127.0.0.1)."_s,
         true,
         false,
         [](const QString &v, O *o) {
             Checked<std::pair<QHostAddress, quint16>> endpoint = checkStatusEndpoint(v);
             if (endpoint.value)
                 std::tie(o->statusAddress, o->statusPort) = *endpoint.value;
             return endpoint.problem;
         }},
        {{u"status-tls-cert"_s},
         u"pem"_s,
         u"Serve --status over HTTPS (TLS 1.2 or newer) with this PEM certificate (chain)."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkNotEmpty(v, u"give a PEM file"_s), &o->statusTlsFiles.certificate);
         }},
        {{u"status-tls-key"_s},
         u"pem"_s,
         u"The --status-tls-cert certificate's unencrypted PEM private key."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkNotEmpty(v, u"give a PEM file"_s), &o->statusTlsFiles.key);
         }},
        {{u"control-token-file"_s},
         u"file"_s,
         u"Enable the control API on --status (POST /api/capture/start, stop, rotate, /api/run) "
         "for clients sending 'Authorization: Bearer TOKEN', TOKEN being this file's one line "
         "(16 to 512 visible characters; the file readable by its owner only). With it, a stop "
         "leaves the process up, idle, until SIGTERM."_s,
         true,
         false,
         [](const QString &v, O *o) {
             Checked<QByteArray> token = checkControlTokenFile(v);
             o->controlTokenFile = v;
             return store(std::move(token), &o->controlToken);
         }},
        {{u"idle"_s},
         {},
         u"Start idle: check everything (ports included) and serve --status, but capture only "
         "on POST /api/capture/start (needs --control-token-file)."_s,
         true,
         false,
         [](const QString &v, O *o) { return store(checkSwitch(v), &o->idle); }},
        {{u"connect"_s},
         u"url"_s,
         u"Open the window on the receiver at this --status address (http://HOST:PORT, or "
         "https:// with --ca-file) instead of capturing here: its ports, connections, files, "
         "graph and log; Start, Stop, Rotate and New run act on it through its control API "
         "(with --token-file). Not a config file key."_s,
         false,
         false,
         [](const QString &v, O *o) { return store(checkReceiverUrl(v), &o->connectUrl); }},
        {{u"token-file"_s},
         u"file"_s,
         u"With --connect: the receiver's control token (its --control-token-file), read from "
         "this file (one line, readable by its owner only). Without it the window only "
         "watches."_s,
         false,
         false,
         [](const QString &v, O *o) {
             Checked<QByteArray> token = checkControlTokenFile(v);
             o->connectTokenFile = v;
             return store(std::move(token), &o->connectToken);
         }},
        {{u"ca-file"_s},
         u"pem"_s,
         u"With --connect to an https:// address: trust the receiver's certificate when one of "
         "this PEM file's certificates issued it (besides the system's CAs)."_s,
         false,
         false,
         [](const QString &v, O *o) {
             o->connectCaFile = v;
             return store(checkCaFile(v), &o->connectCaCertificates);
         }},
        {{u"stats-interval"_s},
         u"seconds"_s,
         u"Headless: print a summary line every N seconds, 0 = off (default 10)."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkSeconds(v, true), &o->summaryIntervalMs);
         }},
        {{u"drain-timeout"_s},
         u"seconds"_s,
         u"On stop, how long to keep reading what peers already sent before closing "
         "(default 2)."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkSeconds(v, true), &o->settings.drainTimeoutMs);
         }},
        {{u"log-file"_s},
         u"file"_s,
         u"Also append the log to this file."_s,
         true,
         false,
         [](const QString &v, O *o) {
             return store(checkNotEmpty(v, u"give a file name"_s), &o->logFile);
         }},
    };
    return table;
}

QStringList configKeysOf(const QList<OptionSpec> &table)
{
    QStringList keys;
    for (const bool withValue : {true, false}) {
        for (const OptionSpec &option : table) {
            if (option.inConfigFile && option.takesValue() == withValue)
                keys.append(option.longName());
        }
    }
    return keys;
}

} // namespace

const QList<OptionSpec> &optionTable()
{
    static const QList<OptionSpec> table = [] {
        QList<OptionSpec> t = makeTable();
        // --config's help names the keys it reads.
        for (OptionSpec &option : t) {
            if (option.longName() == u"config")
                option.help = option.help.arg(configKeysOf(t).join(u", "_s));
        }
        return t;
    }();
    return table;
}

const OptionSpec *findOption(const QString &longName)
{
    const QList<OptionSpec> &table = optionTable();
    const auto it = std::find_if(table.cbegin(), table.cend(), [&](const OptionSpec &option) {
        return option.longName() == longName;
    });
    return it == table.cend() ? nullptr : &*it;
}

QStringList configKeys()
{
    return configKeysOf(optionTable());
}

QString applyOption(const QString &name, const QString &value, CommandLineOptions *options)
{
    const OptionSpec *option = findOption(name);
    if (!option || !option->inConfigFile)
        return u"unknown option"_s;
    return option->apply(value, options);
}

} // namespace capture
