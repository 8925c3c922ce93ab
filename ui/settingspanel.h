#pragma once

#include "capturesettings.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace capture {

/// The capture settings a user edits: bind address, ports, output directory, split mode.
/// Validates as the user types with the same parsers as the command line, and shows the
/// message beside the field.
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

    /// Settings cannot change while a capture runs.
    void setEditable(bool editable);

    QLineEdit *portsEdit() const { return m_ports; }
    QComboBox *bindCombo() const { return m_bind; }
    QLineEdit *outputEdit() const { return m_output; }
    QComboBox *splitCombo() const { return m_split; }
    QLabel *portsMessage() const { return m_portsMessage; }

Q_SIGNALS:
    /// Any field changed; isValid() and errorText() already tell the new state.
    void settingsChanged();

private:
    void validate();
    void browse();

    QComboBox *m_bind;
    QLabel *m_bindMessage;
    QLineEdit *m_ports;
    QLabel *m_portsMessage;
    QLineEdit *m_output;
    QPushButton *m_browse;
    QLabel *m_outputMessage;
    QComboBox *m_split;
    CaptureSettings m_base; ///< values the panel does not edit (drain timeout, …)
    bool m_valid = false;
    QString m_error;
};

} // namespace capture
