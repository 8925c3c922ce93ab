#pragma once

#include <QByteArray>

#include <memory>

namespace capture {

/// Incremental SHA-256 through OpenSSL's EVP interface (SHA extensions where the CPU has them).
class Sha256
{
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256 &) = delete;
    Sha256 &operator=(const Sha256 &) = delete;

    void update(const char *data, qint64 size);
    /// Lower-case hex digest of everything given since construction or the last reset().
    QByteArray finalHex();
    void reset();

private:
    struct Context;
    std::unique_ptr<Context> m_context;
};

} // namespace capture
