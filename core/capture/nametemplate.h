#pragma once

#include "core/manifest/record.h" // SplitMode

#include <QDateTime>
#include <QHostAddress>
#include <QList>
#include <QString>

#include <optional>

namespace capture {

/// --name-template: how a recorded file is named (and in which sub-directory of the output it
/// goes). Placeholders in braces are replaced when a file is opened: {port}, {ts}
/// (YYYYMMDD_HHMMSS, local), {date} (YYYYMMDD), {time} (HHMMSS), {run}, {seq} (the file's
/// number within its port and run number, from 1: it goes on across rotations and starts
/// again with New run), {peer} and {peerport} (--split connection
/// only), {host} (this host's short name). A width zero-pads a number: {run:06}. "{{" and
/// "}}" are literal braces. '/' separates sub-directories; never absolute, never "..".
class NameTemplate
{
public:
    enum class Field { Port, Ts, Date, Time, Run, Seq, Peer, PeerPort, Host };

    /// What one file's name is made of.
    struct Values
    {
        quint16 port = 0;
        QDateTime time; ///< when the file is opened (shown in local time)
        qint64 run = 0;
        quint64 seq = 1;
        QHostAddress peer; ///< --split connection
        quint16 peerPort = 0;
        QString host; ///< this host's short name (shortHostName())
    };

    /// Today's names: stream_{port}_{ts}.bin, with _{peer}_{peerport} before .bin per
    /// connection.
    static QString defaultText(SplitMode split);

    /// Parses `text`; nullopt with `problem` naming what is wrong (an unknown placeholder, a
    /// bad width, an absolute path, "..", an empty name).
    static std::optional<NameTemplate> parse(const QString &text, QString *problem);

    /// The template a capture of `portCount` ports split by `split` names its files by:
    /// `text`, or defaultText() when it is empty. Nullopt with `problem` when it cannot be
    /// parsed or problemFor() has one.
    static std::optional<NameTemplate> forCapture(const QString &text, SplitMode split,
                                                  int portCount, QString *problem);

    /// What makes this template unusable for a capture of `portCount` ports split by `split`:
    /// {peer}/{peerport} without --split connection, or names that could be the same for two
    /// files open at once (no {port} with several ports; neither {peer} nor {seq} per
    /// connection). Empty when it is usable.
    QString problemFor(SplitMode split, int portCount) const;

    /// The file's name, relative to the output directory.
    QString render(const Values &values) const;

    bool uses(Field field) const;
    /// Names carry the second they were opened in: one taken in an earlier second never recurs.
    bool namesCarryTheSecond() const;
    QString text() const { return m_text; }

    /// This host's name up to its first dot, as it goes into a file name.
    static QString shortHostName();

private:
    struct Part
    {
        QString literal; ///< when not a placeholder
        std::optional<Field> field;
        int width = 0; ///< zero-padded to this many digits; 0: as it is
    };
    QString m_text;
    QList<Part> m_parts;
};

} // namespace capture
