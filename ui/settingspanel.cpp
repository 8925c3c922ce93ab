#include "ui/settingspanel.h"

#include "core/capture/nametemplate.h"
#include "core/config/optionchecks.h"
#include "core/net/portspec.h"
#include "core/tls/tlsconfig.h"
#include "ui/models/modelroles.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QResizeEvent>
#include <QSpinBox>

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

/// A path field with its "Browse…" button, in one row.
QHBoxLayout *fileRow(QLineEdit *edit, QPushButton *button)
{
    auto *row = new QHBoxLayout;
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(edit, 1);
    row->addWidget(button);
    return row;
}

} // namespace

SettingsPanel::SettingsPanel(QWidget *parent)
    : QWidget(parent)
    , m_bind(new QComboBox(this))
    , m_bindMessage(messageLabel(this))
    , m_ports(new QLineEdit(this))
    , m_portsMessage(messageLabel(this))
    , m_udpPorts(new QLineEdit(this))
    , m_udpPortsMessage(messageLabel(this))
    , m_output(new QLineEdit(this))
    , m_browse(new QPushButton(tr("Browse…"), this))
    , m_outputMessage(messageLabel(this))
    , m_split(new QComboBox(this))
    , m_hash(new QComboBox(this))
    , m_tlsCertificate(new QLineEdit(this))
    , m_tlsCertificateBrowse(new QPushButton(tr("Browse…"), this))
    , m_tlsKey(new QLineEdit(this))
    , m_tlsKeyBrowse(new QPushButton(tr("Browse…"), this))
    , m_tlsCa(new QLineEdit(this))
    , m_tlsCaBrowse(new QPushButton(tr("Browse…"), this))
    , m_tlsMessage(messageLabel(this))
    , m_tlsNote(new QLabel(this))
    , m_run(new QSpinBox(this))
    , m_nameTemplate(new QLineEdit(this))
    , m_nameExample(new QLabel(this))
    , m_nameMessage(messageLabel(this))
    , m_doneDir(new QLineEdit(this))
    , m_doneDirBrowse(new QPushButton(tr("Browse…"), this))
    , m_doneDirMessage(messageLabel(this))
    , m_hookCommand(new QLineEdit(this))
    , m_hookMessage(messageLabel(this))
    , m_stopAfter(new QLineEdit(this))
    , m_stopAfterBytes(new QLineEdit(this))
    , m_stopAfterFiles(new QSpinBox(this))
    , m_stopMessage(messageLabel(this))
{
    setFocusProxy(m_bind); // Ctrl+5 and a focus given to the panel land on its first field
    for (const auto &[widget, name] : std::initializer_list<std::pair<QWidget *, QString>>{
             {m_bind, u"bindCombo"_s},
             {m_ports, u"portsEdit"_s},
             {m_portsMessage, u"portsMessage"_s},
             {m_udpPorts, u"udpPortsEdit"_s},
             {m_udpPortsMessage, u"udpPortsMessage"_s},
             {m_output, u"outputEdit"_s},
             {m_split, u"splitCombo"_s},
             {m_hash, u"hashCombo"_s},
             {m_tlsCertificate, u"tlsCertificateEdit"_s},
             {m_tlsKey, u"tlsKeyEdit"_s},
             {m_tlsCa, u"tlsCaEdit"_s},
             {m_tlsMessage, u"tlsMessage"_s},
             {m_tlsNote, u"tlsNote"_s},
             {m_run, u"runSpin"_s},
             {m_nameTemplate, u"nameTemplateEdit"_s},
             {m_nameExample, u"nameExample"_s},
             {m_nameMessage, u"nameMessage"_s},
             {m_doneDir, u"doneDirEdit"_s},
             {m_doneDirMessage, u"doneDirMessage"_s},
             {m_hookCommand, u"hookCommandEdit"_s},
             {m_hookMessage, u"hookMessage"_s},
             {m_stopAfter, u"stopAfterEdit"_s},
             {m_stopAfterBytes, u"stopAfterBytesEdit"_s},
             {m_stopAfterFiles, u"stopAfterFilesSpin"_s},
             {m_stopMessage, u"stopMessage"_s}})
        widget->setObjectName(name);
    describeFields();

    auto *form = new QFormLayout(this);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("&Bind address:"), m_bind);
    form->addRow(QString(), m_bindMessage);
    form->addRow(tr("&Ports:"), m_ports);
    form->addRow(QString(), m_portsMessage);
    form->addRow(tr("&UDP ports:"), m_udpPorts);
    form->addRow(QString(), m_udpPortsMessage);
    auto *outputLabel = new QLabel(tr("&Output:"), this);
    outputLabel->setBuddy(m_output); // the field sits in a row layout, so say whose label it is
    form->addRow(outputLabel, fileRow(m_output, m_browse));
    form->addRow(QString(), m_outputMessage);
    // The hash choice sits beside the split mode: both say how files are written.
    auto *fileOptions = new QHBoxLayout;
    fileOptions->setContentsMargins(0, 0, 0, 0);
    fileOptions->addWidget(m_split, 1);
    auto *hashLabel = new QLabel(tr("&Hash:"), this);
    hashLabel->setBuddy(m_hash);
    fileOptions->addWidget(hashLabel);
    fileOptions->addWidget(m_hash, 1);
    auto *splitLabel = new QLabel(tr("&Split:"), this);
    splitLabel->setBuddy(m_split);
    form->addRow(splitLabel, fileOptions);
    const auto addFileRow = [this, form](const QString &text, QLineEdit *edit,
                                         QPushButton *button) {
        auto *label = new QLabel(text, this);
        label->setBuddy(edit);
        form->addRow(label, fileRow(edit, button));
    };
    auto *runLabel = new QLabel(tr("&Run:"), this);
    runLabel->setBuddy(m_run);
    form->addRow(runLabel, m_run);
    form->addRow(tr("File &names:"), m_nameTemplate);
    form->addRow(QString(), m_nameExample);
    form->addRow(QString(), m_nameMessage);
    addFileRow(tr("&Done dir:"), m_doneDir, m_doneDirBrowse);
    form->addRow(QString(), m_doneDirMessage);
    form->addRow(tr("On file &closed:"), m_hookCommand);
    form->addRow(QString(), m_hookMessage);
    auto *stopRow = new QHBoxLayout;
    stopRow->setContentsMargins(0, 0, 0, 0);
    stopRow->addWidget(m_stopAfter, 1);
    stopRow->addWidget(m_stopAfterBytes, 1);
    stopRow->addWidget(m_stopAfterFiles, 1);
    auto *stopLabel = new QLabel(tr("Stop &after:"), this);
    stopLabel->setBuddy(m_stopAfter);
    form->addRow(stopLabel, stopRow);
    form->addRow(QString(), m_stopMessage);
    addFileRow(tr("TLS &certificate:"), m_tlsCertificate, m_tlsCertificateBrowse);
    addFileRow(tr("TLS &key:"), m_tlsKey, m_tlsKeyBrowse);
    addFileRow(tr("Client C&A:"), m_tlsCa, m_tlsCaBrowse);
    form->addRow(QString(), m_tlsMessage);
    form->addRow(QString(), m_tlsNote);

    connect(m_bind, &QComboBox::currentTextChanged, this, &SettingsPanel::validate);
    connect(m_ports, &QLineEdit::textChanged, this, &SettingsPanel::validate);
    connect(m_udpPorts, &QLineEdit::textChanged, this, &SettingsPanel::validate);
    connect(m_output, &QLineEdit::textChanged, this, &SettingsPanel::validate);
    connect(m_output, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_output->setToolTip(tr("Directory for the recorded files; created with its parents.") +
                             u"\n"_s + QDir(text).absolutePath());
    });
    connect(m_split, &QComboBox::currentIndexChanged, this, &SettingsPanel::validate);
    connect(m_hash, &QComboBox::currentIndexChanged, this, &SettingsPanel::validate);
    connect(m_browse, &QPushButton::clicked, this, &SettingsPanel::browse);
    connect(m_run, &QSpinBox::valueChanged, this, &SettingsPanel::validate);
    connect(m_stopAfterFiles, &QSpinBox::valueChanged, this, &SettingsPanel::validate);
    for (QLineEdit *edit :
         {m_nameTemplate, m_doneDir, m_hookCommand, m_stopAfter, m_stopAfterBytes})
        connect(edit, &QLineEdit::textChanged, this, &SettingsPanel::validate);
    connect(m_doneDirBrowse, &QPushButton::clicked, this, [this] {
        const QString dir =
            QFileDialog::getExistingDirectory(this, tr("Done directory"), m_doneDir->text());
        if (!dir.isEmpty())
            m_doneDir->setText(dir);
    });
    for (QLineEdit *edit : {m_tlsCertificate, m_tlsKey, m_tlsCa})
        connect(edit, &QLineEdit::textChanged, this, &SettingsPanel::validate);
    connect(m_tlsCertificateBrowse, &QPushButton::clicked, this,
            [this] { browseTlsFile(m_tlsCertificate, tr("TLS certificate")); });
    connect(m_tlsKeyBrowse, &QPushButton::clicked, this,
            [this] { browseTlsFile(m_tlsKey, tr("TLS private key")); });
    connect(m_tlsCaBrowse, &QPushButton::clicked, this,
            [this] { browseTlsFile(m_tlsCa, tr("Client CA certificates")); });

    setSettings(CaptureSettings{});
}

CaptureSettings SettingsPanel::settings() const
{
    CaptureSettings s = m_base;
    s.bindAddress = parseBindAddress(m_bind->currentText()).value_or(QHostAddress());
    s.ports = parsePortSpec(m_ports->text()).ports;
    s.udpPorts = parsePortSpec(m_udpPorts->text()).ports;
    s.outputDir = m_output->text().trimmed();
    s.split = SplitMode(m_split->currentData().toInt());
    s.hash = HashAlgorithm(m_hash->currentData().toInt());
    s.tlsFiles = {m_tlsCertificate->text().trimmed(), m_tlsKey->text().trimmed(),
                  m_tlsCa->text().trimmed()};
    s.tls = m_tls; // loaded by validate() from exactly these files; nullopt: plain TCP
    s.run = m_run->value();
    s.nameTemplate = m_nameTemplate->text().trimmed();
    s.doneDir = m_doneDir->text().trimmed();
    s.onFileClosed = m_hookCommand->text().trimmed();
    s.stopAfterSec = checkDuration(m_stopAfter->text().trimmed()).value.value_or(0);
    s.stopAfterBytes = checkSize(m_stopAfterBytes->text().trimmed()).value.value_or(0);
    s.stopAfterFiles = m_stopAfterFiles->value();
    return s;
}

QString SettingsPanel::portsText() const
{
    return m_ports->text();
}

QString SettingsPanel::udpPortsText() const
{
    return m_udpPorts->text();
}

void SettingsPanel::setSettings(const CaptureSettings &settings)
{
    m_base = settings;
    m_bind->setCurrentText(settings.bindAddress == QHostAddress(QHostAddress::Any)
                               ? u"::"_s
                               : settings.bindAddress.toString());
    m_ports->setText(settings.ports.isEmpty() && settings.udpPorts.isEmpty()
                         ? u"5000-5002"_s
                         : formatPortSpec(settings.ports));
    m_udpPorts->setText(formatPortSpec(settings.udpPorts));
    m_output->setText(settings.outputDir);
    m_split->setCurrentIndex(m_split->findData(int(settings.split)));
    m_hash->setCurrentIndex(m_hash->findData(int(settings.hash)));
    m_run->setValue(int(settings.run));
    m_nameTemplate->setText(settings.nameTemplate);
    m_doneDir->setText(settings.doneDir);
    m_hookCommand->setText(settings.onFileClosed);
    m_stopAfter->setText(settings.stopAfterSec > 0 ? u"%1s"_s.arg(settings.stopAfterSec)
                                                   : QString());
    m_stopAfterBytes->setText(settings.stopAfterBytes > 0 ? QString::number(settings.stopAfterBytes)
                                                          : QString());
    m_stopAfterFiles->setValue(settings.stopAfterFiles);
    {
        // One load for the three files, not one per field.
        const QSignalBlocker blockCertificate(m_tlsCertificate);
        const QSignalBlocker blockKey(m_tlsKey);
        const QSignalBlocker blockCa(m_tlsCa);
        m_tlsCertificate->setText(settings.tlsFiles.certificate);
        m_tlsKey->setText(settings.tlsFiles.key);
        m_tlsCa->setText(settings.tlsFiles.ca);
    }
    validate();
}

void SettingsPanel::setEditable(bool editable)
{
    for (QWidget *w : std::initializer_list<QWidget *>{m_bind,
                                                       m_ports,
                                                       m_udpPorts,
                                                       m_output,
                                                       m_browse,
                                                       m_split,
                                                       m_hash,
                                                       m_run,
                                                       m_nameTemplate,
                                                       m_doneDir,
                                                       m_doneDirBrowse,
                                                       m_hookCommand,
                                                       m_stopAfter,
                                                       m_stopAfterBytes,
                                                       m_stopAfterFiles,
                                                       m_tlsCertificate,
                                                       m_tlsCertificateBrowse,
                                                       m_tlsKey,
                                                       m_tlsKeyBrowse,
                                                       m_tlsCa,
                                                       m_tlsCaBrowse})
        w->setEnabled(editable);
}

void SettingsPanel::validate()
{
    clearStartFailure(); // an edit answers it; the messages below are the fields' own again
    const QString bindText = m_bind->currentText().trimmed();
    // The command line's checks (core/config/optionchecks.h), with the panel's wording around.
    const Checked<QHostAddress> bind = checkBindAddress(bindText);
    const QString bindError =
        bind.value ? QString() : tr("invalid bind address '%1': %2").arg(bindText, bind.problem);
    // Either list may be empty, not both.
    const bool udpEmpty = m_udpPorts->text().trimmed().isEmpty();
    const Checked<QList<quint16>> udpPorts =
        udpEmpty ? Checked<QList<quint16>>{QList<quint16>{}, {}} : checkPorts(m_udpPorts->text());
    const bool tcpEmpty = m_ports->text().trimmed().isEmpty() && !udpEmpty;
    const Checked<QList<quint16>> ports =
        tcpEmpty ? Checked<QList<quint16>>{QList<quint16>{}, {}} : checkPorts(m_ports->text());
    const QString udpPortsError = udpPorts.value ? QString() : udpPorts.problem;
    const QString portsError =
        ports.value ? portCountProblem(ports.value->size() +
                                       udpPorts.value.value_or(QList<quint16>{}).size())
                    : ports.problem;
    const QString outputError =
        m_output->text().trimmed().isEmpty() ? tr("give an output directory") : QString();
    showMessage(m_bindMessage, bindError);
    showMessage(m_portsMessage, portsError);
    showMessage(m_udpPortsMessage, udpPortsError);
    showMessage(m_outputMessage, outputError);
    const QString tlsError = validateTls();
    const QString runError = validateRunFields();

    m_error = !bindError.isEmpty()       ? bindError
              : !portsError.isEmpty()    ? portsError
              : !udpPortsError.isEmpty() ? udpPortsError
              : !outputError.isEmpty()   ? outputError
              : !runError.isEmpty()      ? runError
                                         : tlsError;
    m_valid = m_error.isEmpty();
    Q_EMIT settingsChanged();
}

void SettingsPanel::showMessage(QLabel *label, const QString &text)
{
    label->setText(text);
    label->setVisible(!text.isEmpty());
}

QSize SettingsPanel::minimumSizeHint() const
{
    // A word-wrapped message reports one line as its minimum; ask for the height the shown
    // messages need at this width, so the dock makes room instead of cutting them off.
    QSize size = QWidget::minimumSizeHint();
    if (layout()->hasHeightForWidth())
        size.setHeight(qMax(size.height(), layout()->totalHeightForWidth(width())));
    return size;
}

void SettingsPanel::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    if (event->size().width() != event->oldSize().width())
        updateGeometry(); // the messages' height depends on the width
}

QString SettingsPanel::validateRunFields()
{
    // The command line's checks (core/config/optionchecks.h) on what the fields hold.
    const CaptureSettings s = settings();
    QString nameError;
    const std::optional<NameTemplate> names =
        NameTemplate::forCapture(s.nameTemplate, s.split, int(s.ports.size()), &nameError);
    if (!nameError.isEmpty())
        nameError = tr("file names: %1").arg(nameError);
    m_nameTemplate->setPlaceholderText(NameTemplate::defaultText(s.split));
    if (names) {
        NameTemplate::Values example;
        example.port = s.ports.isEmpty() ? 5000 : s.ports.first();
        example.time = QDateTime::currentDateTime();
        example.run = s.run;
        example.peer = QHostAddress(u"192.0.2.10"_s);
        example.peerPort = 40000;
        example.host = NameTemplate::shortHostName();
        m_nameExample->setText(tr("e.g. %1").arg(names->render(example)));
    } else {
        m_nameExample->clear();
    }
    m_nameExample->setVisible(!m_nameExample->text().isEmpty());
    showMessage(m_nameMessage, nameError);

    QString doneDirError = doneDirProblem(s);
    if (!doneDirError.isEmpty())
        doneDirError = tr("done dir: %1").arg(doneDirError);
    showMessage(m_doneDirMessage, doneDirError);

    QString hookError;
    if (!s.onFileClosed.isEmpty()) {
        const Checked<QString> hook = checkHookCommand(s.onFileClosed);
        if (!hook.value)
            hookError = tr("on file closed: %1").arg(hook.problem);
    }
    showMessage(m_hookMessage, hookError);

    QString stopError;
    const QString duration = m_stopAfter->text().trimmed();
    const QString bytes = m_stopAfterBytes->text().trimmed();
    if (!duration.isEmpty() && !checkDuration(duration).value)
        stopError = tr("stop after '%1': %2").arg(duration, checkDuration(duration).problem);
    else if (!bytes.isEmpty() && !checkSize(bytes).value)
        stopError = tr("stop after '%1': %2").arg(bytes, checkSize(bytes).problem);
    showMessage(m_stopMessage, stopError);

    for (const QString &error : {nameError, doneDirError, hookError, stopError}) {
        if (!error.isEmpty())
            return error;
    }
    return {};
}

void SettingsPanel::browse()
{
    const QString dir =
        QFileDialog::getExistingDirectory(this, tr("Output directory"), m_output->text());
    if (!dir.isEmpty())
        m_output->setText(dir);
}

} // namespace capture
