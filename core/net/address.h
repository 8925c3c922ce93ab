#pragma once

#include <QHostAddress>
#include <QList>
#include <QString>

#include <optional>
#include <utility>

namespace capture {

/// Addresses as users write them: bind addresses, "address:port" endpoints and the CIDR
/// networks of --allow. Parsing and spelling live here only.

/// Parses a bind address: any IPv4 or IPv6 address; "::" listens on IPv6 and IPv4.
std::optional<QHostAddress> parseBindAddress(const QString &text);

/// Spelling of a bind address as the user gave it ("::" means IPv6 and IPv4).
QString bindAddressText(const QHostAddress &address);

/// IPv4-mapped IPv6 addresses (seen when listening on "::") as plain IPv4.
QHostAddress normalizedAddress(const QHostAddress &address);

/// An address as users write it with a port: "1.2.3.4:5" or "[::1]:5".
QString endpointText(const QHostAddress &address, quint16 port);

/// Parses "[ADDRESS:]PORT" as given to --status ("9100", "127.0.0.1:9100", "[::1]:9100");
/// the address defaults to 127.0.0.1.
std::optional<std::pair<QHostAddress, quint16>> parseStatusEndpoint(const QString &text);

/// Parses one --allow entry: an IPv4 or IPv6 network in CIDR notation (10.0.0.0/8,
/// 2001:db8::/32) or a single address (a /32 or /128).
std::optional<std::pair<QHostAddress, int>> parseAllowEntry(const QString &text);

/// "10.0.0.0/8", "2001:db8::/32".
QString allowEntryText(const std::pair<QHostAddress, int> &subnet);

/// Whether `peer` may connect under `allow` (everyone when it is empty). IPv4 peers that reach
/// an IPv6 socket as ::ffff:a.b.c.d are matched as IPv4.
bool peerAllowed(const QList<std::pair<QHostAddress, int>> &allow, const QHostAddress &peer);

} // namespace capture
