// Fuzz target: the config file loader. The input is written to one temporary file, read with
// readConfigFile() (each entry then applied with applyOption()) and through the command line
// as --config FILE; both must agree.

#include "fuzzcheck.h"

#include "core/config/commandline.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <cstdlib>
#include <memory>

using namespace capture;
using namespace Qt::Literals::StringLiterals;

namespace {

QString g_configPath;
qint64 g_iteration = 0;

// QSettings keeps a parsed file in a per-process cache until its size or modification time
// changes, and then reports a format error only to the instance that parsed it: a later read of
// the same unchanged bad file gets status NoError. The program reads its config once per
// process; to do the same here, the file gets a new modification time before every read.
bool touchConfig()
{
    QFile file(g_configPath);
    const QDateTime stamp = QDateTime::fromSecsSinceEpoch(946684800 + ++g_iteration, Qt::UTC);
    return file.open(QIODevice::ReadWrite) &&
           file.setFileTime(stamp, QFileDevice::FileModificationTime);
}

// Writes the input; false if the file system refused (not a finding).
bool writeConfig(const uint8_t *data, size_t size)
{
    QFile file(g_configPath);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    if (size > 0 && file.write(reinterpret_cast<const char *>(data), qint64(size)) != qint64(size))
        return false;
    file.close();
    return touchConfig();
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    // parseCommandLine needs an application object for its help text; the target keeps one.
    static int argc = 1;
    static char name[] = "capture-receiver";
    static char *argv[] = {name, nullptr};
    static QCoreApplication application(argc, argv);
    static QTemporaryDir directory(QDir::tempPath() + u"/capture-fuzz-config-XXXXXX"_s);
    if (!directory.isValid()) {
        std::fprintf(stderr, "fuzz_config: cannot create a temporary directory\n");
        std::abort();
    }
    g_configPath = directory.filePath(u"capture-receiver.conf"_s);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!writeConfig(data, size))
        return 0;

    QList<ConfigEntry> entries;
    const QString problem = readConfigFile(g_configPath, &entries);
    // Applied on top of the defaults the command line starts from.
    static const CommandLineOptions defaults = parseCommandLine({u"capture-receiver"_s}).options;
    CommandLineOptions applied = defaults;
    bool allApplied = problem.isEmpty();
    if (problem.isEmpty()) {
        const QStringList known = configKeys();
        for (const ConfigEntry &entry : std::as_const(entries)) {
            FUZZ_CHECK(known.contains(entry.key));
            if (!applyOption(entry.key, entry.value, &applied).isEmpty())
                allApplied = false;
        }
    } else {
        FUZZ_CHECK(problem.contains(g_configPath)); // the message names the file
    }

    if (!touchConfig())
        return 0;
    const CommandLineResult result =
        parseCommandLine({u"capture-receiver"_s, u"--config"_s, g_configPath});
    if (!problem.isEmpty()) {
        FUZZ_CHECK(result.action == CommandLineResult::Action::UsageError);
        FUZZ_CHECK(result.text == problem);
    } else if (!allApplied) {
        FUZZ_CHECK(result.action == CommandLineResult::Action::UsageError);
        FUZZ_CHECK(result.text.contains(g_configPath));
    }
    if (result.action == CommandLineResult::Action::UsageError) {
        FUZZ_CHECK(!result.text.isEmpty());
        return 0;
    }
    FUZZ_CHECK(result.action == CommandLineResult::Action::Run);
    FUZZ_CHECK(problem.isEmpty() && allApplied);
    const CommandLineOptions &options = result.options;
    FUZZ_CHECK(options.configFile == g_configPath);
    FUZZ_CHECK(!options.settings.ports.isEmpty());
    for (const ConfigEntry &entry : std::as_const(entries)) {
        if (entry.key != u"nogui")
            FUZZ_CHECK(options.givenOptions.contains(entry.key));
    }
    // What the command line made of the file is what applying its entries gave.
    FUZZ_CHECK(options.noGui == applied.noGui);
    FUZZ_CHECK(options.logFile == applied.logFile);
    FUZZ_CHECK(options.eventsFile == applied.eventsFile);
    FUZZ_CHECK(options.statusPort == applied.statusPort);
    FUZZ_CHECK(options.settings.bindAddress == applied.settings.bindAddress);
    FUZZ_CHECK(options.settings.ports == applied.settings.ports);
    FUZZ_CHECK(options.settings.outputDir == applied.settings.outputDir);
    FUZZ_CHECK(options.settings.allow == applied.settings.allow);
    FUZZ_CHECK(options.settings.rotateSize == applied.settings.rotateSize);
    FUZZ_CHECK(options.settings.rotateIntervalSec == applied.settings.rotateIntervalSec);
    FUZZ_CHECK(options.settings.drainTimeoutMs == applied.settings.drainTimeoutMs);
    return 0;
}
