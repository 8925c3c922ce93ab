#pragma once

#include <QDateTime>
#include <QString>

#include <functional>
#include <memory>

namespace capture {

/// One descriptor kept open (on /dev/null) so that a file can still be created when the
/// process has used up its descriptors on connections: release() frees it for that one open,
/// reserve() takes it again once descriptors are free. Without it, connections accepted before
/// their first byte could hold every descriptor while all of them wait for a file.
class DescriptorReserve
{
public:
    DescriptorReserve() { reserve(); }
    ~DescriptorReserve() { release(); }
    DescriptorReserve(const DescriptorReserve &) = delete;
    DescriptorReserve &operator=(const DescriptorReserve &) = delete;

    /// Takes the spare descriptor again if it is not held; false if none is free.
    bool reserve();
    /// Frees the spare descriptor; false if it was not held.
    bool release();

private:
    int m_fd = -1;
};

/// One output file: created exclusively, written with unbuffered write(2) calls, closed once.
/// Every failure is kept with its reason; nothing is written after the first failure.
class FileSink
{
public:
    /// Makes sinks; the engine uses create() unless its settings name another (tests do, to
    /// stand in for a slow disk).
    /// On failure they set `error` and, if given, `errorCode` to the operating system's
    /// error number (0 when there is none), so that "out of descriptors" can be told.
    using Factory = std::function<std::unique_ptr<FileSink>(
        const QString &dir, const QString &fileName, QString *error, int *errorCode)>;

    /// Creates a new file in `dir`. The name is `fileName`, or fileName with "_2", "_3", …
    /// before the extension when a file of that name exists: nothing is ever overwritten,
    /// and a symbolic link is never followed. Returns nullptr and sets `error` (and
    /// `errorCode`, the operating system's error number or 0) on failure.
    static std::unique_ptr<FileSink> create(const QString &dir, const QString &fileName,
                                            QString *error, int *errorCode = nullptr);

    virtual ~FileSink();
    FileSink(const FileSink &) = delete;
    FileSink &operator=(const FileSink &) = delete;

    /// Writes all of `data`. Returns false (and keeps the reason) on any failure; the bytes
    /// written before the failure stay in the file.
    virtual bool write(const char *data, qint64 size);

    /// Closes the file; returns false if the operating system reported an error.
    bool close();

    QString path() const { return m_path; }
    /// The name relative to the directory it was created in (with its sub-directories).
    QString fileName() const;
    quint64 bytesWritten() const { return m_bytesWritten; }
    bool isOpen() const { return m_fd >= 0; }
    /// The open file has no name any more (deleted, or its directory was): what is written
    /// into it is lost once it is closed.
    bool isUnlinked() const;
    bool hasFailed() const { return !m_error.isEmpty(); }
    QString errorString() const { return m_error; }
    QDateTime openedAt() const { return m_opened; }
    QDateTime closedAt() const { return m_closed; }

protected:
    /// `name`: the file's name relative to `dir` (what openExclusive() gave).
    FileSink(int fd, const QString &dir, QString name);
    /// Creates `fileName` (or a numbered variant) in `dir` exclusively, never through a
    /// symbolic link, with the sub-directories it names; returns the descriptor and sets
    /// `name` (the numbered variant), or -1 and sets `error` (and `errorCode`, the operating
    /// system's error number or 0).
    static int openExclusive(const QString &dir, const QString &fileName, QString *name,
                             QString *error, int *errorCode = nullptr);

private:
    int m_fd = -1;
    QString m_path;
    QString m_name;
    QString m_error;
    quint64 m_bytesWritten = 0;
    QDateTime m_opened;
    QDateTime m_closed;
};

} // namespace capture
