#include "core/util/digest.h"

#include "core/util/xxh128simd.h"

#include <xxhash.h>

#include <new>

using namespace Qt::Literals::StringLiterals;

namespace capture {

QString hashAlgorithmName(HashAlgorithm hash)
{
    switch (hash) {
    case HashAlgorithm::Xxh128:
        return u"xxh128"_s;
    case HashAlgorithm::Sha256:
        return u"sha256"_s;
    case HashAlgorithm::None:
        break;
    }
    return u"none"_s;
}

std::optional<HashAlgorithm> hashAlgorithmFromName(const QString &name)
{
    for (HashAlgorithm hash : {HashAlgorithm::None, HashAlgorithm::Xxh128, HashAlgorithm::Sha256}) {
        if (name == hashAlgorithmName(hash))
            return hash;
    }
    return std::nullopt;
}

bool hashesOffThread(HashAlgorithm hash)
{
    return hash == HashAlgorithm::Sha256;
}

QString hashCheckCommand(HashAlgorithm hash)
{
    switch (hash) {
    case HashAlgorithm::Xxh128:
        return u"xxhsum -H2"_s;
    case HashAlgorithm::Sha256:
        return u"sha256sum"_s;
    case HashAlgorithm::None:
        break;
    }
    return {};
}

QString FileDigest::text() const
{
    return isEmpty() ? QString() : hashAlgorithmName(algorithm) + u' ' + hex;
}

int hashHexLength(HashAlgorithm hash)
{
    switch (hash) {
    case HashAlgorithm::Xxh128:
        return 32;
    case HashAlgorithm::Sha256:
        return 64;
    case HashAlgorithm::None:
        break;
    }
    return 0;
}

Xxh128::Xxh128()
{
    static const bool simd = xxh128simd::available();
    if (simd)
        m_simd = xxh128simd::create();
    else
        m_state = XXH3_createState();
    if (!m_simd && !m_state)
        throw std::bad_alloc();
    if (m_state)
        XXH3_128bits_reset(m_state);
}

Xxh128::~Xxh128()
{
    if (m_simd)
        xxh128simd::destroy(m_simd);
    else
        XXH3_freeState(m_state);
}

void Xxh128::update(const char *data, qint64 size)
{
    if (size <= 0)
        return;
    if (m_simd)
        xxh128simd::update(m_simd, data, size_t(size));
    else
        XXH3_128bits_update(m_state, data, size_t(size));
}

QByteArray Xxh128::finalHex()
{
    XXH128_canonical_t canonical;
    if (m_simd) {
        xxh128simd::finish(m_simd, canonical.digest);
    } else {
        XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(m_state));
        XXH3_128bits_reset(m_state);
    }
    return QByteArray(reinterpret_cast<const char *>(canonical.digest), sizeof canonical.digest)
        .toHex();
}

Digest::Digest(HashAlgorithm algorithm)
    : m_algorithm(algorithm)
{
    if (algorithm == HashAlgorithm::Xxh128)
        m_xxh128 = std::make_unique<Xxh128>();
    else if (algorithm == HashAlgorithm::Sha256)
        m_sha256 = std::make_unique<Sha256>();
}

Digest::~Digest() = default;

void Digest::update(const char *data, qint64 size)
{
    if (m_xxh128)
        m_xxh128->update(data, size);
    else if (m_sha256)
        m_sha256->update(data, size);
}

QByteArray Digest::finalHex()
{
    if (m_xxh128)
        return m_xxh128->finalHex();
    if (m_sha256)
        return m_sha256->finalHex();
    return {};
}

} // namespace capture
