#pragma once

#include <QString>

#include <optional>

namespace capture {

/// What `path` is when it exists but is no regular file ("a FIFO (named pipe)", "a socket",
/// "a character device", "a block device", "a directory"); empty for a regular file or one
/// that does not exist. Symbolic links are followed.
QString nonRegularFileKind(const QString &path);

/// The volume that holds `path`, or would hold it once created: its total size in bytes, and
/// the existing directory that was measured.
struct VolumeSize
{
    quint64 bytes = 0;
    QString measured;
};

/// The size of the volume of `path` or of its nearest existing parent; nothing if not found.
std::optional<VolumeSize> volumeSize(const QString &path);

} // namespace capture
