#pragma once

#include "core/capture/capturesettings.h"
#include "core/capture/capturetypes.h"
#include "core/capture/filesink.h"
#include "core/capture/runparts.h"
#include "core/manifest/manifest.h"
#include "core/util/digest.h"

#include <QHash>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace capture {

class HashWorker;

/// Where one destination's bytes go — a port's (split=port) or a connection's
/// (split=connection): one file at a time, each hashed while written, cut by --rotate-size
/// and --rotate-interval between two writes so that no byte is lost or written twice. Keeps,
/// per file, which connections wrote where, for the file's manifest line.
class FileSeries
{
public:
    struct Hooks
    {
        /// Name of a new file, given the time it is opened.
        std::function<QString(const QDateTime &now)> fileName;
        /// The last name fileName() gave was not used (no descriptor was free): it may be given
        /// again, so that waiting for a descriptor does not number the file.
        std::function<void()> nameUnused;
        /// A file was opened.
        std::function<void(const FileSink &sink)> opened;
        /// A file was closed: its manifest record and what the UI shows.
        std::function<void(const ManifestFile &record, const FileInfo &info)> closed;
    };

    /// Uses `parts`' hash pool, spare descriptor, free-space monitor and output directory.
    FileSeries(const CaptureSettings &settings, const RunParts &parts, quint16 port, Hooks hooks);
    ~FileSeries();
    FileSeries(const FileSeries &) = delete;
    FileSeries &operator=(const FileSeries &) = delete;

    enum class OpenResult { Open, OutOfDescriptors, Failed };
    /// Makes sure a file is open for the next bytes: a file is created with its first byte, so
    /// a connection that never sends one leaves none. Failed (and OutOfDescriptors, which may
    /// pass) carry the reason in `error`; nothing has been read for them yet.
    OpenResult ensureOpen(QString *error);

    /// A connection starts writing here / has ended.
    void attach(const ConnectionInfo &connection) { attach(connection, connection.peerText()); }
    /// As above, with the peer named `peer` in the manifest (a UDP port file: "udp", its senders).
    void attach(const ConnectionInfo &connection, const QString &peer);
    void detach(quint64 id, const QDateTime &closed, const QString &reason);

    /// Writes all of `data` for connection `id`, opening and rotating files as needed. False
    /// on failure (errorString()); what was written before the failure stays in the file.
    bool write(quint64 id, const char *data, qint64 size);

    /// Writes `data` as one unit that rotation never splits (datagrams): a file that
    /// --rotate-size would overflow is closed before it, unless it holds nothing yet (a unit
    /// larger than --rotate-size then gets a file of its own). `datagrams` are counted into
    /// the file it went to (noteDatagrams()).
    bool writeWhole(quint64 id, const char *data, qint64 size, quint64 datagrams = 0);
    /// Bytes that still fit into the current (or next) file before --rotate-size; the
    /// maximum without it.
    qint64 roomBeforeRotation() const;
    /// What every file of the series starts with (the pcap global header); written when the
    /// file is opened, not counted as a connection's bytes.
    void setPreamble(const QByteArray &preamble) { m_preamble = preamble; }
    /// UDP: the files' manifest lines carry `format` and what noteDatagrams() counted.
    void setUdpFormat(const QString &format);
    /// UDP: datagrams written into the current file, and datagrams dropped or cut meanwhile
    /// (counted into the next file when none is open).
    void noteDatagrams(quint64 written, quint64 dropped, quint64 truncated);

    /// Closes the current file if its rotation interval has ended (the next write opens a
    /// new one); called periodically, so that idle files close on time too.
    void checkInterval(qint64 nowMs);

    /// Closes the current file, if any, for `reason` (a write error overrides it).
    void close(const QString &reason);

    bool isOpen() const { return bool(m_sink); }
    /// The file being written was deleted (or its directory was).
    bool isCurrentFileUnlinked() const { return m_sink && m_sink->isUnlinked(); }
    bool hasFailed() const { return !m_error.isEmpty(); }
    QString errorString() const { return m_error; }
    /// The file being written, or the last one.
    QString currentPath() const { return m_lastPath; }
    /// The file being written (or that failed), as the UI shows it.
    std::optional<FileInfo> currentFileInfo() const;
    /// --min-free-space: reading is paused (the session stops after its current chunk).
    bool readingPaused() const;

    /// Bytes that reached files, over all files of the series.
    quint64 bytesWritten() const { return m_bytesWritten; }

private:
    /// `errorCode`, if given, is set to the operating system's error number on failure.
    bool openFile(const QDateTime &now, QString *error, int *errorCode = nullptr);
    void closeFile(const QString &reason);
    /// Writes one piece into the open file: hashes it, records it for `id`.
    bool writeToSink(quint64 id, const char *data, qint64 size);
    /// Closes the file when its interval has ended and opens one when none is; false on failure.
    bool prepareFile();
    void record(quint64 id, quint64 offset, quint64 bytes);
    FileInfo infoOf(const FileSink &sink) const;

    const CaptureSettings &m_settings;
    RunParts m_parts;
    quint16 m_port;
    Hooks m_hooks;
    std::unique_ptr<FileSink> m_sink;
    std::shared_ptr<Digest> m_hash;     // null with --hash none
    HashWorker *m_hashWorker = nullptr; // while a file is open, with the run's HashPool
    QString m_error;
    QString m_lastPath;
    qint64 m_runNumber = 0; ///< of the file being written
    quint64 m_bytesWritten = 0;
    qint64 m_boundaryMs = 0; // when the current file's interval ends (epoch ms); 0 = never
    QByteArray m_preamble;
    std::optional<ManifestUdp> m_udp; // UDP: of the current file (or the next)

    struct Attached
    {
        QString peer;
        QDateTime opened;
        QString tlsSubject;
        QString via;
        bool unlisted = false; // counted in m_unlisted for the current file
    };
    QHash<quint64, Attached> m_attached;           // connections writing here now
    std::vector<ManifestConnection> m_connections; // of the current file
    QHash<quint64, size_t> m_connectionIndex;
    std::vector<quint64> m_lastEnd; // per m_connections entry: file offset after its last byte
    quint64 m_unlisted = 0;         // connections beyond the manifest's per-file list limit
};

/// Start of the next multiple of `intervalSec` after `nowMs`, in local time (1h: on the hour,
/// 1d: at midnight), as epoch milliseconds.
qint64 nextRotationBoundaryMs(qint64 nowMs, qint64 intervalSec);

} // namespace capture
