#pragma once

#include <QByteArray>

#include <memory>

namespace capture {

/// Frees what OpenSSL keeps for the calling thread; a thread that hashed or spoke TLS calls it
/// before it ends (OpenSSL would otherwise keep it until the process ends).
void releaseCryptoThreadState();

/// Incremental SHA-256 through OpenSSL's EVP interface (SHA extensions where the CPU has them).
class Sha256
{
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256 &) = delete;
    Sha256 &operator=(const Sha256 &) = delete;

    void update(const char *data, qint64 size);
    /// Lower-case hex digest of everything given since construction or the last finalHex().
    QByteArray finalHex();

private:
    struct Context;
    void begin();

    std::unique_ptr<Context> m_context;
    bool m_begun = false; // the digest is set up by the first use, in the thread that hashes
};

} // namespace capture
