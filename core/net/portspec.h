#pragma once

#include <QList>
#include <QString>

#include <optional>

namespace capture {

/// Result of parsing a port specification: the ports in the order given, or a message.
struct PortSpecResult
{
    QList<quint16> ports;
    QString error; ///< empty on success; otherwise one line naming the bad value

    bool ok() const { return error.isEmpty(); }
};

/// Parses a comma list of ports and ranges such as "5000", "5000-5009" or
/// "5000,5002,6000-6010". Ports are 1..65535; reversed ranges, ranges past 65535,
/// empty items and duplicate ports are errors.
PortSpecResult parsePortSpec(const QString &spec);

/// Parses one decimal port number (1..65535), no sign, no spaces.
std::optional<quint16> parsePort(QStringView text);

/// The compact spelling of a port list: consecutive runs become ranges ("5000-5002,6000").
QString formatPortSpec(const QList<quint16> &ports);

} // namespace capture
