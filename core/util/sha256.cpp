#include "core/util/sha256.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <stdexcept>

namespace capture {

struct Sha256::Context
{
    EVP_MD_CTX *ctx = nullptr;
};

void releaseCryptoThreadState()
{
    OPENSSL_thread_stop();
}

Sha256::Sha256()
    : m_context(std::make_unique<Context>())
{
    m_context->ctx = EVP_MD_CTX_new();
    if (!m_context->ctx)
        throw std::bad_alloc();
}

Sha256::~Sha256()
{
    EVP_MD_CTX_free(m_context->ctx);
}

void Sha256::begin()
{
    if (EVP_DigestInit_ex(m_context->ctx, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("EVP_DigestInit_ex(sha256) failed");
    m_begun = true;
}

void Sha256::update(const char *data, qint64 size)
{
    if (!m_begun)
        begin();
    if (size > 0)
        EVP_DigestUpdate(m_context->ctx, data, size_t(size));
}

QByteArray Sha256::finalHex()
{
    if (!m_begun)
        begin();
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(m_context->ctx, digest, &length);
    m_begun = false;
    return QByteArray(reinterpret_cast<const char *>(digest), int(length)).toHex();
}

} // namespace capture
