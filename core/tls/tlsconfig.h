#pragma once

#include <QSslConfiguration>
#include <QString>

#include <optional>

namespace capture {

/// The TLS side of a capture: --tls-cert, --tls-key and optionally --tls-ca (clients must then
/// present a certificate that chains to it). TLS 1.2 or newer.
struct TlsFiles
{
    QString certificate;
    QString key;
    QString ca;
    /// How the options are named in messages: "--tls" for --tls-cert, --tls-key, --tls-ca.
    QString option = QStringLiteral("--tls");
};

/// Loads and checks the files: each readable, PEM, the key unencrypted and belonging to the
/// certificate, the CA file holding at least one certificate. Returns the server's
/// configuration, or nothing with a one-line `error` naming the option, the file and the
/// reason. `warning` is set for a server certificate that is expired or not yet valid.
std::optional<QSslConfiguration> loadTlsConfiguration(const TlsFiles &files, QString *error,
                                                      QString *warning = nullptr);

/// "CN=client-1" style text of the verified peer's subject: its common name, or the whole
/// subject when it has none.
QString certificateSubjectText(const QSslCertificate &certificate);

} // namespace capture
