#include "app/subcommands.h"

#include "app/application.h"
#include "core/manifest/manifest.h"
#include "core/manifest/recovery.h"
#include "core/util/printable.h"

#include <QFileInfo>

#include <cstdio>
#include <optional>

using namespace Qt::Literals::StringLiterals;

namespace {

/// A subcommand's single DIR argument: --help prints `help` (0), anything but one argument
/// is a usage error (2); nothing when DIR was given.
std::optional<int> checkDirectoryArgument(const QStringList &arguments, const QString &usage,
                                          const char *help)
{
    if (arguments.size() == 1 && (arguments[0] == u"--help" || arguments[0] == u"-h")) {
        std::printf("%s\n\n%s\n", qPrintable(usage), help);
        return 0;
    }
    if (arguments.size() != 1 || arguments[0].startsWith(u'-')) {
        std::fprintf(stderr, "capture-receiver: %s (got %lld argument(s)%s%s)\n", qPrintable(usage),
                     qint64(arguments.size()), arguments.isEmpty() ? "" : ": ",
                     qPrintable(capture::printableValue(arguments.join(u' '))));
        return Application::Usage;
    }
    return std::nullopt;
}

} // namespace

int runRecover(const QStringList &arguments)
{
    const QString usage = u"usage: capture-receiver recover DIR"_s;
    if (const std::optional<int> status = checkDirectoryArgument(
            arguments, usage,
            "Adopts what a crash or kill -9 left in DIR: each file DIR/manifest.jsonl does\n"
            "not name gets a manifest line with its size and digest as found on disk (with\n"
            "the --hash of the manifest's last run; xxh128 if that was none) and\n"
            "\"close_reason\": \"recovered\" (ADOPTED), and each run that never stopped gets a\n"
            "stop line marked \"recovered\" (CLOSED), so that `capture-receiver verify DIR`\n"
            "passes. Files are only read, never changed. Refused while a receiver records\n"
            "in DIR.\n"
            "Exit status: 0 done (or nothing to do), 1 a file could not be read or the\n"
            "manifest not written, or a receiver is recording in DIR, 2 usage error."))
        return *status;
    if (!QFileInfo(arguments[0]).isDir()) {
        std::fprintf(stderr, "capture-receiver: recover: '%s' is not a directory\n",
                     qPrintable(capture::printablePath(arguments[0])));
        return Application::Usage;
    }
    const capture::RecoverSummary summary =
        capture::recoverDirectory(arguments[0], [](const QString &line) {
            std::printf("%s\n", qPrintable(line));
            std::fflush(stdout);
        });
    if (!summary.error.isEmpty()) {
        std::fprintf(stderr, "capture-receiver: recover: %s\n", qPrintable(summary.error));
        return Application::Failure;
    }
    std::printf(
        "recover: %d file(s) adopted, %d run(s) closed%s\n", summary.adopted, summary.runsClosed,
        summary.failed > 0 ? qPrintable(u", %1 file(s) could not be read"_s.arg(summary.failed))
                           : "");
    return summary.failed > 0 ? Application::Failure : 0;
}

int runVerify(const QStringList &arguments)
{
    const QString usage = u"usage: capture-receiver verify DIR"_s;
    if (const std::optional<int> status = checkDirectoryArgument(
            arguments, usage,
            "Re-hashes every file listed in DIR/manifest.jsonl and prints one line per file:\n"
            "OK, MISMATCH (size or digest differs, or unreadable; each line's xxh128 or\n"
            "sha256, whichever it has), MISSING, DELETED (by --max-files) or LOST\n"
            "(reported lost by the receiver during its run); then\n"
            "UNLISTED for each file in DIR the manifest does not name, UNSTOPPED for each\n"
            "run that never stopped (`capture-receiver recover DIR` adopts both), RUNNING\n"
            "for a receiver recording in DIR now and OPEN for the files it is writing.\n"
            "Exit status: 0 all files OK, 1 a problem found, 2 usage error or no readable\n"
            "manifest."))
        return *status;
    const capture::VerifySummary summary =
        capture::verifyDirectory(arguments[0], [](const capture::VerifyResult &result) {
            std::printf("%-8s %s: %s\n", qPrintable(capture::verifyStatusName(result.status)),
                        qPrintable(result.file), qPrintable(result.detail));
            std::fflush(stdout);
        });
    if (!summary.error.isEmpty()) {
        std::fprintf(stderr, "capture-receiver: verify: %s\n", qPrintable(summary.error));
        return Application::Usage;
    }
    std::printf("verify: %s\n", qPrintable(summary.text()));
    return summary.passed() ? 0 : 1;
}
