#pragma once

#include <QString>

#include <optional>

namespace capture {

/// What `path` is when it exists but is no regular file ("a FIFO (named pipe)", "a socket",
/// "a character device", "a block device", "a directory"); empty for a regular file or one
/// that does not exist. Symbolic links are followed.
QString nonRegularFileKind(const QString &path);

/// Checks every existing component of the output directory `path` (relative to the working
/// directory), following symbolic links as the kernel does: a link owned by another user
/// (neither this process's effective user nor root) could send the files anywhere that user
/// chooses. False, with one line naming the link and its owner, when there is one.
bool checkOutputDirectoryLinks(const QString &path, QString *error);

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
