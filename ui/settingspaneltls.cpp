#include "ui/settingspanel.h"

#include "core/tls/tlsconfig.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>

using namespace Qt::Literals::StringLiterals;

// The TLS files of the settings panel: checked (and loaded, once per change of the files) as
// the command line's --tls-cert, --tls-key and --tls-ca are.

namespace capture {

namespace {
bool sameFiles(const TlsFiles &a, const TlsFiles &b)
{
    return a.certificate == b.certificate && a.key == b.key && a.ca == b.ca;
}

/// Modification times of the files (null for a missing or empty path): with the paths, they
/// tell whether the last load still stands.
QList<QDateTime> fileTimes(const TlsFiles &files)
{
    QList<QDateTime> times;
    for (const QString &path : {files.certificate, files.key, files.ca})
        times.append(path.isEmpty() ? QDateTime() : QFileInfo(path).lastModified());
    return times;
}
} // namespace

QString SettingsPanel::validateTls()
{
    const TlsFiles files{m_tlsCertificate->text().trimmed(), m_tlsKey->text().trimmed(),
                         m_tlsCa->text().trimmed()};
    const std::pair<QLineEdit *, QString> toolTips[] = {
        {m_tlsCertificate,
         tr("PEM file with the server certificate (and its chain), as --tls-cert. With a key, "
            "every port speaks TLS only; empty: plain TCP.")},
        {m_tlsKey, tr("PEM file with the certificate's private key, unencrypted, as --tls-key.")},
        {m_tlsCa,
         tr("PEM file with CA certificates, as --tls-ca: clients must then present a certificate "
            "signed by one of them. Empty: any client, without a certificate.")},
    };
    for (const auto &[edit, toolTip] : toolTips) {
        const QString path = edit->text().trimmed();
        edit->setToolTip(path.isEmpty() ? toolTip
                                        : toolTip + u"\n"_s + QFileInfo(path).absoluteFilePath());
    }
    QString error;
    QString warning;
    m_tls.reset();
    if (files.certificate.isEmpty() && files.key.isEmpty() && files.ca.isEmpty()) {
        // plain TCP
    } else if (files.certificate.isEmpty() || files.key.isEmpty()) {
        error = tr("TLS: give both the certificate and the key");
    } else {
        const QList<QDateTime> times = fileTimes(files);
        if (!sameFiles(files, m_tlsLoadedFiles) || times != m_tlsLoadedTimes) {
            m_tlsLoadedFiles = files;
            m_tlsLoadedTimes = times;
            m_tlsWarning.clear();
            m_tlsError.clear();
            m_tlsLoaded = loadTlsConfiguration(files, &m_tlsError, &m_tlsWarning);
        }
        m_tls = m_tlsLoaded;
        error = m_tlsError;
        warning = m_tlsWarning;
    }
    showMessage(m_tlsMessage, error);
    showMessage(m_tlsNote, warning);
    return error;
}

void SettingsPanel::browseTlsFile(QLineEdit *edit, const QString &title)
{
    const QString current = edit->text().trimmed();
    const QString path = QFileDialog::getOpenFileName(
        this, title, current.isEmpty() ? QString() : QFileInfo(current).absolutePath(),
        tr("PEM files (*.pem *.crt *.key);;All files (*)"));
    if (!path.isEmpty())
        edit->setText(path);
}

} // namespace capture
