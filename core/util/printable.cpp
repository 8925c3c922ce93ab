#include "core/util/printable.h"

using namespace Qt::Literals::StringLiterals;

namespace capture {

QString printableValue(QStringView text, qsizetype maxLength)
{
    QString out;
    out.reserve(qMin(text.size(), maxLength) + 8);
    qsizetype i = 0;
    for (; i < text.size() && i < maxLength; ++i) {
        // A pair of surrogates is one character; a lone surrogate is unprintable.
        const bool pair =
            text[i].isHighSurrogate() && i + 1 < text.size() && text[i + 1].isLowSurrogate();
        const char32_t code =
            pair ? QChar::surrogateToUcs4(text[i], text[i + 1]) : text[i].unicode();
        const QChar::Category category = QChar::category(code);
        // Line and paragraph separators would break the one line a message is.
        if (QChar::isPrint(code) && category != QChar::Separator_Line &&
            category != QChar::Separator_Paragraph)
            out.append(text.mid(i, pair ? 2 : 1));
        else if (code <= 0xFF)
            out.append(u"\\x%1"_s.arg(uint(code), 2, 16, QChar(u'0')));
        else
            out.append(u"\\u%1"_s.arg(uint(code), 4, 16, QChar(u'0')));
        if (pair)
            ++i;
    }
    if (i < text.size())
        out.append(u'\u2026'); // …
    return out;
}

} // namespace capture
