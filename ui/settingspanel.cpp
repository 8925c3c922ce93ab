#include "settingspanel.h"

#include "commandline.h"
#include "modelroles.h"
#include "portspec.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkInterface>
#include <QPushButton>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {
QLabel *messageLabel(QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setWordWrap(true);
    QPalette palette = label->palette();
    palette.setColor(QPalette::WindowText, errorColor());
    label->setPalette(palette);
    label->hide();
    return label;
}

void showMessage(QLabel *label, const QString &text)
{
    label->setText(text);
    label->setVisible(!text.isEmpty());
}
} // namespace

SettingsPanel::SettingsPanel(QWidget *parent)
    : QWidget(parent)
    , m_bind(new QComboBox(this))
    , m_bindMessage(messageLabel(this))
    , m_ports(new QLineEdit(this))
    , m_portsMessage(messageLabel(this))
    , m_output(new QLineEdit(this))
    , m_browse(new QPushButton(tr("Browse…"), this))
    , m_outputMessage(messageLabel(this))
    , m_split(new QComboBox(this))
{
    m_bind->setEditable(true);
    QStringList addresses{u"0.0.0.0"_s, u"::"_s, u"127.0.0.1"_s, u"::1"_s};
    for (const QHostAddress &address : QNetworkInterface::allAddresses()) {
        if (address.isLoopback() || address.isLinkLocal())
            continue;
        const QString text = address.toString();
        if (!addresses.contains(text))
            addresses.append(text);
    }
    m_bind->addItems(addresses);
    m_bind->setToolTip(tr("Address to listen on. 0.0.0.0: every IPv4 address; "
                          "::: every IPv6 and IPv4 address; or one of this host's addresses."));
    m_ports->setPlaceholderText(u"5000-5002"_s);
    m_ports->setToolTip(
        tr("Ports to listen on: a comma list of ports and ranges, e.g. 5000,5002,6000-6010."));
    m_output->setToolTip(tr("Directory for the recorded files; created with its parents."));
    m_browse->setToolTip(tr("Choose the output directory."));
    m_split->addItem(tr("One file per port"), int(SplitMode::Port));
    m_split->addItem(tr("One file per connection"), int(SplitMode::Connection));
    m_split->setToolTip(tr("Per port: every connection to a port appends to that port's file. "
                           "Per connection: each connection gets its own file."));

    auto *outputRow = new QHBoxLayout;
    outputRow->setContentsMargins(0, 0, 0, 0);
    outputRow->addWidget(m_output, 1);
    outputRow->addWidget(m_browse);

    auto *form = new QFormLayout(this);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("&Bind address:"), m_bind);
    form->addRow(QString(), m_bindMessage);
    form->addRow(tr("&Ports:"), m_ports);
    form->addRow(QString(), m_portsMessage);
    auto *outputLabel = new QLabel(tr("&Output:"), this);
    outputLabel->setBuddy(m_output); // the field sits in a row layout, so say whose label it is
    form->addRow(outputLabel, outputRow);
    form->addRow(QString(), m_outputMessage);
    form->addRow(tr("&Split:"), m_split);

    connect(m_bind, &QComboBox::currentTextChanged, this, &SettingsPanel::validate);
    connect(m_ports, &QLineEdit::textChanged, this, &SettingsPanel::validate);
    connect(m_output, &QLineEdit::textChanged, this, &SettingsPanel::validate);
    connect(m_output, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_output->setToolTip(tr("Directory for the recorded files; created with its parents.") +
                             u"\n"_s + QDir(text).absolutePath());
    });
    connect(m_split, &QComboBox::currentIndexChanged, this, &SettingsPanel::validate);
    connect(m_browse, &QPushButton::clicked, this, &SettingsPanel::browse);

    setSettings(CaptureSettings{});
}

CaptureSettings SettingsPanel::settings() const
{
    CaptureSettings s = m_base;
    s.bindAddress = parseBindAddress(m_bind->currentText()).value_or(QHostAddress());
    s.ports = parsePortSpec(m_ports->text()).ports;
    s.outputDir = m_output->text().trimmed();
    s.split = SplitMode(m_split->currentData().toInt());
    return s;
}

void SettingsPanel::setSettings(const CaptureSettings &settings)
{
    m_base = settings;
    m_bind->setCurrentText(settings.bindAddress == QHostAddress(QHostAddress::Any)
                               ? u"::"_s
                               : settings.bindAddress.toString());
    m_ports->setText(settings.ports.isEmpty() ? u"5000-5002"_s : formatPortSpec(settings.ports));
    m_output->setText(settings.outputDir);
    m_split->setCurrentIndex(m_split->findData(int(settings.split)));
    validate();
}

void SettingsPanel::setEditable(bool editable)
{
    for (QWidget *w : {static_cast<QWidget *>(m_bind), static_cast<QWidget *>(m_ports),
                       static_cast<QWidget *>(m_output), static_cast<QWidget *>(m_browse),
                       static_cast<QWidget *>(m_split)})
        w->setEnabled(editable);
}

void SettingsPanel::validate()
{
    const QString bindText = m_bind->currentText().trimmed();
    const QString bindError =
        parseBindAddress(bindText)
            ? QString()
            : tr("invalid bind address '%1': not an IPv4 or IPv6 address").arg(bindText);
    const PortSpecResult ports = parsePortSpec(m_ports->text());
    QString portsError = ports.error;
    if (ports.ok() && openFilesNeeded(ports.ports.size()) > openFileHardLimit())
        portsError = tr("too many ports: %1 ports need at least %2 open files, but this process "
                        "may open at most %3 (ulimit -Hn)")
                         .arg(ports.ports.size())
                         .arg(openFilesNeeded(ports.ports.size()))
                         .arg(openFileHardLimit());
    const QString outputError =
        m_output->text().trimmed().isEmpty() ? tr("give an output directory") : QString();
    showMessage(m_bindMessage, bindError);
    showMessage(m_portsMessage, portsError);
    showMessage(m_outputMessage, outputError);

    m_error = !bindError.isEmpty() ? bindError : !portsError.isEmpty() ? portsError : outputError;
    m_valid = m_error.isEmpty();
    Q_EMIT settingsChanged();
}

void SettingsPanel::browse()
{
    const QString dir =
        QFileDialog::getExistingDirectory(this, tr("Output directory"), m_output->text());
    if (!dir.isEmpty())
        m_output->setText(dir);
}

} // namespace capture
