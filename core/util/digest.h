#pragma once

#include "core/util/sha256.h"

#include <QByteArray>
#include <QString>

#include <memory>
#include <optional>

struct XXH3_state_s;

namespace capture {

/// How a file's (or a stream's) contents are fingerprinted. Xxh128 (XXH3, 128 bits, from
/// libxxhash) runs at memory speed and detects corruption, not tampering; Sha256 (OpenSSL)
/// is a cryptographic digest at about a tenth of that speed.
enum class HashAlgorithm { None, Xxh128, Sha256 };

/// "none", "xxh128", "sha256": the option value, and the manifest key of a digest.
QString hashAlgorithmName(HashAlgorithm hash);
std::optional<HashAlgorithm> hashAlgorithmFromName(const QString &name);
/// Whether hashing with `hash` is worth handing to another thread. SHA-256 (about a tenth of
/// memory speed) is; xxh128 costs about what copying the bytes to another thread would
/// (measured: 1.11-1.25 GB/s inline against 0.53 through a worker, bench scenario 1), so it
/// runs where the bytes are. The receiver and capture-replay both decide by this.
bool hashesOffThread(HashAlgorithm hash);
/// The standard command that prints the same lower-case hex for a file ("xxhsum -H2",
/// "sha256sum"); empty for None.
QString hashCheckCommand(HashAlgorithm hash);

/// A file's digest as the manifest records it: under its algorithm's name, lower-case hex.
struct FileDigest
{
    HashAlgorithm algorithm = HashAlgorithm::None;
    QString hex; ///< empty with None (or when not known)

    bool isEmpty() const { return algorithm == HashAlgorithm::None || hex.isEmpty(); }
    /// "xxh128 9c0e…" for log lines; empty when isEmpty().
    QString text() const;
    bool operator==(const FileDigest &) const = default;
};

/// Hex digits of a digest of `hash` (32 for xxh128, 64 for sha256, 0 for none).
int hashHexLength(HashAlgorithm hash);

/// Incremental XXH3 128-bit: libxxhash's code, compiled for AVX2 where the CPU has it
/// (xxh128simd.h, twice the speed), else through the shared library. Its hex is the canonical
/// (big-endian) form that `xxhsum -H2` prints.
class Xxh128
{
public:
    Xxh128();
    ~Xxh128();
    Xxh128(const Xxh128 &) = delete;
    Xxh128 &operator=(const Xxh128 &) = delete;

    void update(const char *data, qint64 size);
    /// Lower-case hex digest of everything given since construction or the last finalHex().
    QByteArray finalHex();

private:
    XXH3_state_s *m_state = nullptr; // the library's, or
    void *m_simd = nullptr;          // the AVX2 build's
};

/// An incremental digest of the chosen algorithm (nothing at all with None).
class Digest
{
public:
    explicit Digest(HashAlgorithm algorithm);
    ~Digest();
    Digest(const Digest &) = delete;
    Digest &operator=(const Digest &) = delete;

    HashAlgorithm algorithm() const { return m_algorithm; }
    void update(const char *data, qint64 size);
    /// Lower-case hex of everything given since construction or the last finalHex(); empty
    /// with None.
    QByteArray finalHex();

private:
    HashAlgorithm m_algorithm;
    std::unique_ptr<Xxh128> m_xxh128;
    std::unique_ptr<Sha256> m_sha256;
};

} // namespace capture
