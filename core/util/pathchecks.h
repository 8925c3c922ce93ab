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

/// Creates `subdirectories` ("a/b") below `dir` as needed (mode 0755); one that exists must
/// be a directory, not a symbolic link, so that nothing below `dir` leads out of it. False with
/// one line naming the directory, and the operating system's error number in `errorCode` when
/// given.
bool makeSubdirectories(const QString &dir, const QString &subdirectories, QString *error,
                        int *errorCode = nullptr);

/// The volume that holds `path`, or would hold it once created: its total size in bytes, and
/// the existing directory that was measured.
struct VolumeSize
{
    quint64 bytes = 0;
    QString measured;
    quint64 device = 0; ///< the file system's device number (st_dev): the same for one volume
};

/// The size of the volume of `path` or of its nearest existing parent; nothing if not found.
std::optional<VolumeSize> volumeSize(const QString &path);

} // namespace capture
