#include "core/capture/nametemplate.h"

#include "core/capture/filenaming.h"

#include <QSysInfo>

#include <algorithm>
#include <array>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

struct FieldName
{
    NameTemplate::Field field;
    QStringView name;
    bool numeric; ///< takes a width
};

constexpr std::array<FieldName, 9> fieldNames{{
    {NameTemplate::Field::Port, u"port", true},
    {NameTemplate::Field::Ts, u"ts", false},
    {NameTemplate::Field::Date, u"date", false},
    {NameTemplate::Field::Time, u"time", false},
    {NameTemplate::Field::Run, u"run", true},
    {NameTemplate::Field::Seq, u"seq", true},
    {NameTemplate::Field::Peer, u"peer", false},
    {NameTemplate::Field::PeerPort, u"peerport", true},
    {NameTemplate::Field::Host, u"host", false},
}};

constexpr int maxWidth = 20; // digits of the largest 64-bit number

QString placeholderList()
{
    QStringList names;
    for (const FieldName &f : fieldNames)
        names.append(u'{' + f.name.toString() + u'}');
    return names.join(u", "_s);
}

QString padded(quint64 number, int width)
{
    return u"%1"_s.arg(number, width, 10, QLatin1Char('0'));
}

} // namespace

QString NameTemplate::defaultText(SplitMode split)
{
    return split == SplitMode::Connection ? u"stream_{port}_{ts}_{peer}_{peerport}.bin"_s
                                          : u"stream_{port}_{ts}.bin"_s;
}

std::optional<NameTemplate> NameTemplate::parse(const QString &text, QString *problem)
{
    const auto fail = [problem](const QString &why) {
        *problem = why;
        return std::nullopt;
    };
    if (text.isEmpty())
        return fail(u"give a file name, e.g. %1"_s.arg(defaultText(SplitMode::Port)));
    if (text.startsWith(u'/'))
        return fail(u"it is an absolute path: files go below --output"_s);
    if (text.contains(QChar(0)))
        return fail(u"it contains a NUL character"_s);

    NameTemplate result;
    result.m_text = text;
    QString literal;
    const auto flushLiteral = [&] {
        if (!literal.isEmpty())
            result.m_parts.append(Part{literal, std::nullopt, 0});
        literal.clear();
    };
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (c == u'}') {
            if (i + 1 < text.size() && text[i + 1] == u'}') {
                literal += u'}';
                ++i;
                continue;
            }
            return fail(u"a '}' with no '{' before it (write }} for a literal brace)"_s);
        }
        if (c != u'{') {
            literal += c;
            continue;
        }
        if (i + 1 < text.size() && text[i + 1] == u'{') {
            literal += u'{';
            ++i;
            continue;
        }
        const qsizetype close = text.indexOf(u'}', i + 1);
        if (close < 0)
            return fail(u"'%1' is not closed by '}'"_s.arg(text.mid(i, 20)));
        const QString inside = text.mid(i + 1, close - i - 1);
        const qsizetype colon = inside.indexOf(u':');
        const QString name = colon < 0 ? inside : inside.left(colon);
        const auto known = std::find_if(fieldNames.begin(), fieldNames.end(),
                                        [&name](const FieldName &f) { return f.name == name; });
        if (known == fieldNames.end())
            return fail(u"unknown placeholder {%1}; known: %2"_s.arg(inside, placeholderList()));
        int width = 0;
        if (colon >= 0) {
            const QString spec = inside.mid(colon + 1);
            bool ok = false;
            width = spec.toInt(&ok);
            if (!known->numeric)
                return fail(u"bad width in {%1}: {%2} is not a number"_s.arg(inside, name));
            if (!ok || !spec.startsWith(u'0') || spec.size() < 2 || width < 1 || width > maxWidth)
                return fail(u"bad width in {%1}: write {%2:0N}, N from 1 to %3 digits"_s.arg(
                    inside, name, QString::number(maxWidth)));
        }
        flushLiteral();
        result.m_parts.append(Part{QString(), known->field, width});
        i = close;
    }
    flushLiteral();

    // Every directory and the name itself must be something, and never lead up or out.
    // Placeholders never render to "", "." or "..", nor contain '/'.
    QString shape;
    for (const Part &part : std::as_const(result.m_parts))
        shape += part.field ? u"x"_s : part.literal;
    const QStringList components = shape.split(u'/');
    for (qsizetype i = 0; i < components.size(); ++i) {
        const QString &component = components[i];
        if (component.isEmpty())
            return fail(i + 1 == components.size()
                            ? u"it ends with '/': name the file after the last directory"_s
                            : u"it has an empty directory name ('//')"_s);
        if (component == u".." || component == u".")
            return fail(u"it contains '%1': files stay below --output"_s.arg(component));
    }
    return result;
}

std::optional<NameTemplate> NameTemplate::forCapture(const QString &text, SplitMode split,
                                                     int portCount, QString *problem)
{
    std::optional<NameTemplate> names = parse(text.isEmpty() ? defaultText(split) : text, problem);
    if (names)
        *problem = names->problemFor(split, portCount);
    if (!problem->isEmpty())
        return std::nullopt;
    return names;
}

QString NameTemplate::problemFor(SplitMode split, int portCount) const
{
    if (split != SplitMode::Connection) {
        for (const Field field : {Field::Peer, Field::PeerPort}) {
            if (uses(field))
                return u"{%1} names a connection's peer: it needs --split connection"_s.arg(
                    field == Field::Peer ? u"peer"_s : u"peerport"_s);
        }
    }
    if (portCount > 1 && !uses(Field::Port))
        return u"without {port}, the files of the %1 ports could get the same name"_s.arg(
            portCount);
    if (split == SplitMode::Connection && !uses(Field::Peer) && !uses(Field::Seq))
        return u"without {peer} or {seq}, two connections' files could get the same name"_s;
    return {};
}

QString NameTemplate::render(const Values &values) const
{
    QString name;
    const QDateTime local = values.time.toLocalTime();
    for (const Part &part : m_parts) {
        if (!part.field) {
            name += part.literal;
            continue;
        }
        switch (*part.field) {
        case Field::Port:
            name += padded(values.port, part.width);
            break;
        case Field::Ts:
            name += local.toString(u"yyyyMMdd_HHmmss"_s);
            break;
        case Field::Date:
            name += local.toString(u"yyyyMMdd"_s);
            break;
        case Field::Time:
            name += local.toString(u"HHmmss"_s);
            break;
        case Field::Run:
            name += padded(quint64(std::max<qint64>(0, values.run)), part.width);
            break;
        case Field::Seq:
            name += padded(values.seq, part.width);
            break;
        case Field::Peer:
            name += FileNaming::addressForFileName(values.peer);
            break;
        case Field::PeerPort:
            name += padded(values.peerPort, part.width);
            break;
        case Field::Host:
            name += values.host;
            break;
        }
    }
    return name;
}

bool NameTemplate::uses(Field field) const
{
    return std::any_of(m_parts.begin(), m_parts.end(),
                       [field](const Part &part) { return part.field == field; });
}

bool NameTemplate::namesCarryTheSecond() const
{
    return uses(Field::Ts) || (uses(Field::Date) && uses(Field::Time));
}

QString NameTemplate::shortHostName()
{
    const QString full = QSysInfo::machineHostName();
    QString name = full.left(full.indexOf(u'.') < 0 ? full.size() : full.indexOf(u'.'));
    for (QChar &c : name) {
        if (!(c.isLetterOrNumber() || c == u'-' || c == u'_'))
            c = u'_';
    }
    return name.isEmpty() ? u"localhost"_s : name;
}

} // namespace capture
