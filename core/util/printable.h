#pragma once

#include <QString>
#include <QStringView>

namespace capture {

/// How much of a value an error message echoes: enough to recognise it, never a megabyte.
constexpr qsizetype printableValueLength = 80;
/// The same for a file name, which may legitimately be longer.
constexpr qsizetype printablePathLength = 240;

/// A value the user gave, made safe to echo in one line of a message: control characters,
/// NUL and other unprintable characters become \xNN (\uNNNN above 0xFF), and text beyond
/// `maxLength` characters is cut with "…".
QString printableValue(QStringView text, qsizetype maxLength = printableValueLength);

/// printableValue() for a file name.
inline QString printablePath(QStringView path)
{
    return printableValue(path, printablePathLength);
}

/// printableValue() in single quotes, as messages echo a value: 'value'.
inline QString quotedValue(QStringView text)
{
    return u'\'' + printableValue(text) + u'\'';
}

} // namespace capture
