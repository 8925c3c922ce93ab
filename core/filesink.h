#pragma once

#include <QDateTime>
#include <QString>

#include <memory>

namespace capture {

/// One output file: created exclusively, written with unbuffered write(2) calls, closed once.
/// Every failure is kept with its reason; nothing is written after the first failure.
class FileSink
{
public:
    /// Creates a new file in `dir`. The name is `fileName`, or fileName with "_2", "_3", …
    /// before the extension when a file of that name exists: nothing is ever overwritten,
    /// and a symbolic link is never followed. Returns nullptr and sets `error` on failure.
    static std::unique_ptr<FileSink> create(const QString &dir, const QString &fileName,
                                            QString *error);

    ~FileSink();
    FileSink(const FileSink &) = delete;
    FileSink &operator=(const FileSink &) = delete;

    /// Writes all of `data`. Returns false (and keeps the reason) on any failure; the bytes
    /// written before the failure stay in the file.
    bool write(const char *data, qint64 size);

    /// Closes the file; returns false if the operating system reported an error.
    bool close();

    QString path() const { return m_path; }
    QString fileName() const;
    quint64 bytesWritten() const { return m_bytesWritten; }
    bool isOpen() const { return m_fd >= 0; }
    bool hasFailed() const { return !m_error.isEmpty(); }
    QString errorString() const { return m_error; }
    QDateTime openedAt() const { return m_opened; }
    QDateTime closedAt() const { return m_closed; }

private:
    FileSink(int fd, QString path);

    int m_fd = -1;
    QString m_path;
    QString m_error;
    quint64 m_bytesWritten = 0;
    QDateTime m_opened;
    QDateTime m_closed;
};

} // namespace capture
