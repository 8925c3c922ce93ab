#pragma once

#include "core/config/configfile.h"
#include "core/config/options.h"

#include <QString>
#include <QStringList>

namespace capture {

/// What to do after parsing the command line.
struct CommandLineResult
{
    enum class Action { Run, ShowHelp, ShowVersion, UsageError };

    Action action = Action::Run;
    CommandLineOptions options;
    QString text; ///< help or version text, or the one-line usage error
};

/// Parses the full argument list (argv[0] first) with the options of optionTable(), and the
/// --config file if one is given. Never exits and never touches the disk: a usage error comes
/// back as Action::UsageError with one line naming the bad value. Needs a Q(Core)Application
/// instance for the help text.
CommandLineResult parseCommandLine(const QStringList &arguments);

} // namespace capture
