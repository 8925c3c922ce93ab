#pragma once

#include "core/util/digest.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace capture {

/// How received bytes are grouped into files.
enum class SplitMode {
    Port,       ///< one file per port, created at its first connection; later connections append
    Connection, ///< one file per connection
};

QString splitModeName(SplitMode mode);
std::optional<SplitMode> splitModeFromName(const QString &name);

/// The manifest's file name, in the output directory.
inline constexpr char16_t manifestFileName[] = u"manifest.jsonl";

/// One connection's part of one file.
struct ManifestConnection
{
    quint64 id = 0;
    QString peer;       ///< "192.0.2.7:40112", "[2001:db8::1]:40112"
    QString tlsSubject; ///< TLS with --tls-ca: the client certificate's verified subject
    QString via; ///< --proxy-protocol: the balancer's "address:port" the connection came through
    QDateTime opened;
    QDateTime closed;         ///< invalid while the connection goes on in the next file
    QString closeReason;      ///< set with closed
    quint64 bytes = 0;        ///< of this connection, in this file
    quint64 offset = 0;       ///< where its first byte is in this file
    bool interleaved = false; ///< its bytes are not one contiguous range (split=port overlap)
};

/// What a file of a UDP port holds: its format and datagrams, and the datagrams the kernel
/// dropped (receive buffer full) or the read buffer cut while it was the file being written.
struct ManifestUdp
{
    QString format; ///< "pcap", "raw", "length-prefixed"
    quint64 datagrams = 0;
    quint64 dropped = 0;
    quint64 truncated = 0;

    bool operator==(const ManifestUdp &) const = default;
};

/// The manifest line of one closed file.
struct ManifestFile
{
    QString file; ///< name relative to the output directory (or to doneDir), '/' between parts
    /// --done-dir: the (absolute) directory the file was moved to once closed; empty: it is in
    /// the output directory.
    QString doneDir;
    std::optional<qint64> runNumber; ///< --run of the file (none: not known, e.g. recovered)
    quint16 port = 0;
    SplitMode split = SplitMode::Port;
    quint64 bytes = 0;
    FileDigest digest; ///< written under its algorithm's name; none: no key
    QDateTime opened;
    QDateTime closed;
    QString closeReason;
    QList<ManifestConnection> connections;
    /// Connections that wrote to the file beyond the first maxListedConnections (not listed).
    quint64 unlistedConnections = 0;
    std::optional<ManifestUdp> udp; ///< set for the files of a UDP port
    static constexpr qsizetype maxListedConnections = 10000;
};

/// ISO-8601 local time with milliseconds and UTC offset: 2026-11-21T14:03:07.123+01:00.
QString manifestTime(const QDateTime &time);

/// Puts a digest into a manifest line or an event under its algorithm's name ("xxh128": "…",
/// "sha256": "…"; null when not known); nothing for none.
void insertDigest(QJsonObject *object, const FileDigest &digest);

/// One JSON line (with its newline) for a closed file.
QByteArray manifestFileLine(const ManifestFile &file);

/// One JSON line recording that a listed file was deleted (by --max-files).
QByteArray manifestDeletionLine(const QString &file, quint16 port, const QDateTime &time,
                                const QString &reason, std::optional<qint64> runNumber = {});

/// A file this run wrote that is gone: its directory was deleted, moved or replaced, or the
/// file itself was deleted while it was written.
struct LostFile
{
    QString file; ///< name relative to the output directory
    quint16 port = 0;
    quint64 bytes = 0;               ///< written into it
    FileDigest digest;               ///< of what was written; none with --hash none
    std::optional<qint64> runNumber; ///< --run of the file
};

/// One JSON line recording that a file of this run is lost, and why.
QByteArray manifestLostLine(const LostFile &file, const QDateTime &time, const QString &reason);

/// A run's id in the manifest: its start time (UTC) and process id, "20261203T224501.123Z-4242".
QString newRunId();

/// One JSON line for the start of a run: its id, time, the receiver's version, the host, the
/// process id and the settings.
QByteArray manifestRunStartLine(const QString &run, const QDateTime &time,
                                const QJsonObject &settings);

/// A file name a manifest line may hold: relative, never leading out ("..") or absolute.
bool isManifestFileName(const QString &name);

/// Where the file a manifest line names is: doneDir/file, or dir/file.
QString manifestFilePath(const QString &dir, const QString &file, const QString &doneDir);

/// One manifest line read back (readManifestRecord()).
struct ManifestRecord
{
    enum class Type { Invalid, RunStart, RunStop, File, Lost, Deleted };
    Type type = Type::Invalid;
    QString invalidReason; ///< Invalid: why it is not a line the receiver writes
    QString run;           ///< RunStart, RunStop: the run's id
    QString host;          ///< RunStart
    qint64 pid = 0;        ///< RunStart
    QString time;          ///< RunStart: as written
    /// RunStart: the run's --hash (its settings' "hash"; None when they do not say)
    HashAlgorithm hash = HashAlgorithm::None;
    QString file;                   ///< File, Lost, Deleted: a relative path below the directory
    QString doneDir;                ///< File: the --done-dir it was moved to (absolute), or empty
    qint64 bytes = -1;              ///< File, Lost
    FileDigest digest;              ///< File, Lost: the key it was under; hex empty when null
    QString reason;                 ///< Deleted, Lost (and a File's "reason", normally absent)
    std::optional<ManifestUdp> udp; ///< File of a UDP port: "udp_format", "datagrams", …
};

/// Reads one manifest line (trimmed, not empty): what it records, or why it is not a record.
ManifestRecord readManifestRecord(const QByteArray &line);

/// One JSON line for the end of a run, with `figures` (bytes received and written, …).
/// `recover` writes one marked "recovered": true for a run that never stopped.
QByteArray manifestRunStopLine(const QString &run, const QDateTime &time,
                               const QJsonObject &figures);

} // namespace capture
