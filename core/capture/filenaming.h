#pragma once

#include <QDateTime>
#include <QHostAddress>
#include <QString>

namespace capture {

/// File names of recorded streams, compatible with the tool this program replaces.
namespace FileNaming {

/// "stream_<port>_<YYYYMMDD_HHMMSS>.bin", the time in local time.
QString portFileName(quint16 port, const QDateTime &time);

/// "stream_<port>_<YYYYMMDD_HHMMSS>_<peer>_<peerport>.bin".
QString connectionFileName(quint16 port, const QDateTime &time, const QHostAddress &peer,
                           quint16 peerPort);

/// A spelling of an address that is safe in a file name on every common file system:
/// IPv4-mapped IPv6 addresses become IPv4, ':' becomes '-', a scope id follows '_'.
QString addressForFileName(const QHostAddress &address);

/// The n-th candidate for a name that is taken: "x.bin" -> "x_2.bin" for n = 2.
/// n = 1 returns the name unchanged.
QString numberedName(const QString &fileName, int n);

} // namespace FileNaming
} // namespace capture
