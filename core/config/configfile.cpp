#include "core/config/configfile.h"

#include "core/config/options.h"
#include "core/util/pathchecks.h"
#include "core/util/printable.h"

#include <QFile>
#include <QHash>
#include <QSettings>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {
// Only --allow: each of its values adds networks.
bool repeatable(const QString &key)
{
    const OptionSpec *option = findOption(key);
    return option && option->repeatable;
}
} // namespace

QString configFilePlace(const QString &path, int line)
{
    const QString file = u"config file '%1'"_s.arg(printablePath(path));
    return line > 0 ? u"%1, line %2"_s.arg(file, QString::number(line)) : file;
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
            return u"%1: comments start with ';' here, not '#'"_s.arg(
                configFilePlace(path, number));
        if (!line.contains(u'='))
            return u"%1: expected key=value, found %2"_s.arg(configFilePlace(path, number),
                                                             quotedValue(line));
        QString key = line.left(line.indexOf(u'=')).trimmed();
        if (!section.isEmpty())
            key = section + u'/' + key;
        if (const int first = lineOfKey.value(key); first > 0)
            return u"%1: key %2 given again (first on line %3): %4"_s.arg(
                configFilePlace(path, number), quotedValue(key), QString::number(first),
                repeatable(key) ? u"give it once, with a comma list: allow=\"10.0.0.0/8, ::1\""_s
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
                configFilePlace(path, lineOfKey.value(key)), quotedValue(key), known.join(u", "_s));
        const QVariant value = ini.value(key);
        // An unquoted "5000,5002" comes back from QSettings as a list: it meant one value.
        const QString text = value.typeId() == QMetaType::QStringList
                                 ? value.toStringList().join(u',')
                                 : value.toString();
        entries->append({key, text.trimmed(), lineOfKey.value(key)});
    }
    return {};
}

} // namespace capture
