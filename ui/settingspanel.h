#pragma once

#include "core/capture/capturesettings.h"
#include "core/capture/capturetypes.h"

#include <QDateTime>
#include <QList>
#include <QWidget>

class QComboBox;
class QLabel;
class QSpinBox;
class QLineEdit;
class QPushButton;

namespace capture {

/// The capture settings a user edits: bind address, ports, output directory, split mode, hash,
/// run number, file names, hand-off (done directory, command), stop conditions and the TLS
/// files. Validates as the user types with the same parsers (and TLS loader) as the
/// command line, and shows the message beside the field.
class SettingsPanel : public QWidget
{
    Q_OBJECT

public:
    explicit SettingsPanel(QWidget *parent = nullptr);

    /// The settings as entered; only meaningful while isValid().
    CaptureSettings settings() const;
    void setSettings(const CaptureSettings &settings);
    bool isValid() const { return m_valid; }
    /// The first problem, one line, empty when valid.
    QString errorText() const { return m_error; }

    /// A start that failed: marks the setting at fault (the Ports or UDP ports field for ports
    /// that could not be bound, else the output, done-directory or file-name field the reason
    /// names) with a red frame and the reason beside it, until the user edits a field or the
    /// next start succeeds (clearStartFailure()).
    void showStartFailure(const QList<ListenFailure> &failures, const QString &reason);
    void clearStartFailure();
    /// The field showStartFailure() marked (nullptr: none).
    QWidget *startFailureField() const { return m_failedField; }

    /// Settings cannot change while a capture runs.
    void setEditable(bool editable);

    /// The Ports field as typed (saved as such, even while it is not a valid list).
    QString portsText() const;
    /// The UDP ports field as typed (empty: no UDP port).
    QString udpPortsText() const;

    // The fields have object names for tests (findChild): "bindCombo", "portsEdit",
    // "portsMessage", "outputEdit", "splitCombo", "hashCombo", "tlsCertificateEdit", "tlsKeyEdit",
    // "tlsCaEdit", "tlsMessage" (the TLS files' problem, hidden while they are fine) and
    // "tlsNote" (a warning that does not block starting, e.g. an expired certificate),
    // "runSpin", "nameTemplateEdit", "nameExample" (a name the template gives, live),
    // "nameMessage", "doneDirEdit", "doneDirMessage", "hookCommandEdit", "hookMessage",
    // "stopAfterEdit", "stopAfterBytesEdit", "stopAfterFilesSpin", "stopMessage".

    QSize minimumSizeHint() const override;

Q_SIGNALS:
    /// Any field changed; isValid() and errorText() already tell the new state.
    void settingsChanged();

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    /// Choices, ranges, placeholders and tooltips of the fields (settingspanelfields.cpp).
    void describeFields();
    void validate();
    void browse();
    void browseTlsFile(QLineEdit *edit, const QString &title);
    QString validateTls(); // settingspaneltls.cpp
    /// Shows `text` in `label` (hidden when empty).
    static void showMessage(QLabel *label, const QString &text);
    /// The file-name, hand-off and stop fields' problem (each shown beside its field).
    QString validateRunFields();

    QComboBox *m_bind;
    QLabel *m_bindMessage;
    QLineEdit *m_ports;
    QLabel *m_portsMessage;
    QLineEdit *m_udpPorts;     ///< "udpPortsEdit": --udp-ports
    QLabel *m_udpPortsMessage; ///< "udpPortsMessage"
    QLineEdit *m_output;
    QPushButton *m_browse;
    QLabel *m_outputMessage;
    QComboBox *m_split;
    QComboBox *m_hash;
    QLineEdit *m_tlsCertificate;
    QPushButton *m_tlsCertificateBrowse;
    QLineEdit *m_tlsKey;
    QPushButton *m_tlsKeyBrowse;
    QLineEdit *m_tlsCa;
    QPushButton *m_tlsCaBrowse;
    QLabel *m_tlsMessage;
    QLabel *m_tlsNote;
    QSpinBox *m_run;
    QLineEdit *m_nameTemplate;
    QLabel *m_nameExample;
    QLabel *m_nameMessage;
    QLineEdit *m_doneDir;
    QPushButton *m_doneDirBrowse;
    QLabel *m_doneDirMessage;
    QLineEdit *m_hookCommand;
    QLabel *m_hookMessage;
    QLineEdit *m_stopAfter;
    QLineEdit *m_stopAfterBytes;
    QSpinBox *m_stopAfterFiles;
    QLabel *m_stopMessage;
    /// The last TLS load: its files and their modification times (a cache key, so typing in
    /// another field does not re-read them), and its outcome.
    TlsFiles m_tlsLoadedFiles;
    QList<QDateTime> m_tlsLoadedTimes;
    std::optional<QSslConfiguration> m_tlsLoaded;
    QString m_tlsError;
    QString m_tlsWarning;
    /// What settings() returns: the TLS of the fields' files when they are valid.
    std::optional<QSslConfiguration> m_tls;
    CaptureSettings m_base; ///< values the panel does not edit (drain timeout, …)
    bool m_valid = false;
    QString m_error;
    QWidget *m_failedField = nullptr; ///< marked by showStartFailure()
};

} // namespace capture
