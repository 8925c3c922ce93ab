#include "core/tls/tlsconfig.h"

#include "core/util/printable.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QSslKey>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

bool readPem(const QString &option, const QString &path, QByteArray *contents, QString *error)
{
    const QFileInfo info(path);
    if (info.exists() && !info.isFile()) {
        *error = u"cannot read %1 '%2': not a regular file"_s.arg(option, printablePath(path));
        return false;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = u"cannot read %1 '%2': %3"_s.arg(option, printablePath(path), file.errorString());
        return false;
    }
    *contents = file.read(1024 * 1024);
    return true;
}

// Whether the private key in `keyPem` belongs to the certificate in `certPem` (OpenSSL: the
// key's public half equals the certificate's).
bool keyMatches(const QByteArray &certPem, const QByteArray &keyPem)
{
    std::unique_ptr<BIO, decltype(&BIO_free)> certBio(
        BIO_new_mem_buf(certPem.constData(), int(certPem.size())), BIO_free);
    std::unique_ptr<BIO, decltype(&BIO_free)> keyBio(
        BIO_new_mem_buf(keyPem.constData(), int(keyPem.size())), BIO_free);
    if (!certBio || !keyBio)
        return false;
    std::unique_ptr<X509, decltype(&X509_free)> cert(
        PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr), X509_free);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, const_cast<char *>("")),
        EVP_PKEY_free);
    return cert && key && X509_check_private_key(cert.get(), key.get()) == 1;
}

} // namespace

QString certificateSubjectText(const QSslCertificate &certificate)
{
    const QStringList cn = certificate.subjectInfo(QSslCertificate::CommonName);
    if (!cn.isEmpty())
        return u"CN="_s + cn.join(u", "_s);
    return certificate.subjectDisplayName();
}

std::optional<QSslConfiguration> loadTlsConfiguration(const TlsFiles &files, QString *error,
                                                      QString *warning)
{
    if (files.certificate.isEmpty() || files.key.isEmpty()) {
        *error = u"TLS needs both %1-cert and %1-key"_s.arg(files.option);
        return std::nullopt;
    }
    QByteArray certPem;
    QByteArray keyPem;
    if (!readPem(files.option + u"-cert"_s, files.certificate, &certPem, error) ||
        !readPem(files.option + u"-key"_s, files.key, &keyPem, error))
        return std::nullopt;
    const QList<QSslCertificate> chain = QSslCertificate::fromData(certPem, QSsl::Pem);
    if (chain.isEmpty() || chain.first().isNull()) {
        *error = u"%1-cert '%2': no PEM certificate in it"_s.arg(files.option,
                                                                 printablePath(files.certificate));
        return std::nullopt;
    }
    if (keyPem.contains("ENCRYPTED")) {
        *error = u"%1-key '%2': the key is encrypted; give an unencrypted key (it is read "
                 "without a passphrase)"_s.arg(files.option, printablePath(files.key));
        return std::nullopt;
    }
    QSslKey key;
    for (const QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec, QSsl::Dsa, QSsl::Dh}) {
        key = QSslKey(keyPem, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull())
            break;
    }
    if (key.isNull()) {
        *error =
            u"%1-key '%2': no PEM private key in it"_s.arg(files.option, printablePath(files.key));
        return std::nullopt;
    }
    if (!keyMatches(certPem, keyPem)) {
        *error = u"%1-key '%2' does not belong to the certificate in %1-cert '%3'"_s.arg(
            files.option, printablePath(files.key), printablePath(files.certificate));
        return std::nullopt;
    }

    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setProtocol(QSsl::TlsV1_2OrLater);
    config.setLocalCertificateChain(chain);
    config.setPrivateKey(key);
    if (!files.ca.isEmpty()) {
        QByteArray caPem;
        if (!readPem(files.option + u"-ca"_s, files.ca, &caPem, error))
            return std::nullopt;
        const QList<QSslCertificate> cas = QSslCertificate::fromData(caPem, QSsl::Pem);
        if (cas.isEmpty()) {
            *error = u"%1-ca '%2': no PEM certificate in it"_s.arg(files.option,
                                                                   printablePath(files.ca));
            return std::nullopt;
        }
        config.setCaCertificates(cas);
        config.setPeerVerifyMode(QSslSocket::VerifyPeer);
    } else {
        config.setPeerVerifyMode(QSslSocket::VerifyNone);
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (warning && (chain.first().expiryDate() < now || chain.first().effectiveDate() > now))
        *warning = u"%1-cert '%2' is valid from %3 to %4 only: clients that check it will "
                   "refuse it"_s.arg(files.option, printablePath(files.certificate),
                                     chain.first().effectiveDate().toString(Qt::ISODate),
                                     chain.first().expiryDate().toString(Qt::ISODate));
    return config;
}

} // namespace capture
