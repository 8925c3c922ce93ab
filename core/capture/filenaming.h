#pragma once

#include <QHostAddress>
#include <QString>

namespace capture {

/// Parts of the names of recorded files (NameTemplate makes the names).
namespace FileNaming {

/// A spelling of an address that is safe in a file name on every common file system:
/// IPv4-mapped IPv6 addresses become IPv4, ':' becomes '-', a scope id follows '_'.
QString addressForFileName(const QHostAddress &address);

/// The n-th candidate for a name that is taken: "x.bin" -> "x_2.bin", "d/x" -> "d/x_2" for
/// n = 2. n = 1 returns the name unchanged.
QString numberedName(const QString &fileName, int n);

} // namespace FileNaming
} // namespace capture
