#include "ui/settingspanel.h"

#include "ui/models/modelroles.h"

#include <QLabel>
#include <QLineEdit>

#include <algorithm>

using namespace Qt::Literals::StringLiterals;

// A failed start pointed at in the panel: which field was at fault, and why.

namespace capture {

void SettingsPanel::showStartFailure(const QList<ListenFailure> &failures, const QString &reason)
{
    clearStartFailure();
    QLineEdit *field = nullptr;
    QLabel *message = nullptr;
    QStringList lines;
    if (!failures.isEmpty()) {
        // A TCP port's failure first: that is the field most starts are about.
        const bool tcp =
            std::any_of(failures.begin(), failures.end(), [](const ListenFailure &failure) {
                return failure.protocol == PortStats::Protocol::Tcp;
            });
        const auto protocol = tcp ? PortStats::Protocol::Tcp : PortStats::Protocol::Udp;
        field = tcp ? m_ports : m_udpPorts;
        message = tcp ? m_portsMessage : m_udpPortsMessage;
        for (const ListenFailure &failure : failures) {
            if (failure.protocol == protocol)
                lines.append(tr("port %1: %2").arg(QString::number(failure.port), failure.reason));
        }
    } else if (!reason.isEmpty()) {
        const QString doneDir = m_doneDir->text().trimmed();
        if (reason.startsWith(u"invalid name template"_s)) {
            field = m_nameTemplate;
            message = m_nameMessage;
        } else if (!doneDir.isEmpty() && reason.contains(doneDir)) {
            field = m_doneDir;
            message = m_doneDirMessage;
        } else {
            field = m_output;
            message = m_outputMessage;
        }
        lines.append(reason);
    }
    if (!field)
        return;
    field->setStyleSheet(u"QLineEdit { border: 2px solid %1; }"_s.arg(errorColor().name()));
    showMessage(message, tr("Start failed: %1").arg(lines.join(u"; "_s)));
    m_failedField = field;
}

void SettingsPanel::clearStartFailure()
{
    if (!m_failedField)
        return;
    m_failedField->setStyleSheet({});
    m_failedField = nullptr;
}

} // namespace capture
