#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

/// Helpers shared by the tests: free ports found at run time, reproducible data.
namespace TestSupport {

/// A port on 127.0.0.1 (and ::1 when `ipv6`) that nothing listens on right now.
quint16 freePort();

/// `count` consecutive free ports (base, base+1, …); tries random bases until all are free.
quint16 freePortRange(int count);

/// `count` distinct free ports, not necessarily consecutive.
QList<quint16> freePorts(int count);

/// Deterministic pseudo-random bytes (xorshift64*), `size` bytes from `seed`.
QByteArray patternData(quint64 seed, qsizetype size);

/// Hex SHA-256 of a byte array / of a file's contents (empty if unreadable).
QByteArray sha256(const QByteArray &data);
/// Lower-case hex XXH3 128-bit, as `xxhsum -H2` prints it (libxxhash's one-shot call).
QByteArray xxh128(const QByteArray &data);
QByteArray fileSha256(const QString &path);
QByteArray fileXxh128(const QString &path);

/// The lines of DIR/manifest.jsonl whose "type" is `type` ("file", "run", "lost", …), in order
/// (empty if there is no manifest).
QList<QJsonObject> manifestRecords(const QString &dir, const QString &type);
/// A token file readable by its owner only (as --control-token-file wants it): the token and
/// a newline.
bool writeTokenFile(const QString &path, const QByteArray &token);
/// GET http://127.0.0.1:PORT/status with curl, as JSON (empty when it did not answer).
QJsonObject statusByCurl(quint16 port);
/// GET http://127.0.0.1:PORT`path` with curl: the body (empty when it did not answer).
QByteArray getByCurl(quint16 port, const QString &path);

/// Reads a whole file (empty if unreadable).
QByteArray readFile(const QString &path);

/// Writes `data` to `dir`/`name` and returns the manifest line of such a closed file (port
/// 5000, its SHA-256), for writeManifest().
QByteArray writeListedFile(const QString &dir, const QString &name, const QByteArray &data);
/// `dir`/manifest.jsonl with `lines`.
bool writeManifest(const QString &dir, const QByteArray &lines);

/// Blocking send of `data` to 127.0.0.1:port from a plain POSIX socket, in `chunk`-sized
/// writes, then close. Returns an error message, or nothing on success.
std::optional<QString> sendAll(quint16 port, const QByteArray &data, qsizetype chunk = 65536,
                               const char *host = "127.0.0.1");

/// Blocking send of `data`, `times` times over, on one connection to 127.0.0.1:port, then close.
std::optional<QString> sendRepeated(quint16 port, const QByteArray &data, int times);

} // namespace TestSupport
