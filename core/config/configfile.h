#pragma once

#include <QList>
#include <QString>

namespace capture {

/// One key of a config file, with the line it stands on (0 if it could not be told).
struct ConfigEntry
{
    QString key;
    QString value;
    int line = 0;
};

/// Reads an INI config file (QSettings IniFormat, keys at the top level). Returns a one-line
/// message naming the file (and the line or key) on failure, or an empty string. A key given
/// twice is a failure. The keys are those of configKeys() (core/config/options.h).
QString readConfigFile(const QString &path, QList<ConfigEntry> *entries);

/// Where in a config file something stands: "config file 'X', line 3" (without the line
/// when it is 0).
QString configFilePlace(const QString &path, int line);

} // namespace capture
