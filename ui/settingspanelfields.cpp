// The settings panel's fields: choices, ranges, placeholders and tooltips (what each field
// means, in the words of the command line option it stands for).

#include "ui/settingspanel.h"

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkInterface>
#include <QPushButton>
#include <QSpinBox>

#include <limits>

using namespace Qt::Literals::StringLiterals;

namespace capture {

void SettingsPanel::describeFields()
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
    m_udpPorts->setPlaceholderText(tr("none"));
    m_udpPorts->setToolTip(tr("UDP ports to record (--udp-ports), as the ports above; a port "
                              "may be in both. Empty: none. Each datagram is recorded whole; "
                              "the kernel's drops are counted."));
    m_output->setToolTip(tr("Directory for the recorded files; created with its parents."));
    m_browse->setToolTip(tr("Choose the output directory."));
    m_split->addItem(tr("One file per port"), int(SplitMode::Port));
    m_split->addItem(tr("One file per connection"), int(SplitMode::Connection));
    m_split->setToolTip(tr("Per port: every connection to a port appends to that port's file. "
                           "Per connection: each connection gets its own file."));
    m_hash->addItem(tr("xxh128 (fast)"), int(HashAlgorithm::Xxh128));
    m_hash->addItem(tr("SHA-256 (cryptographic)"), int(HashAlgorithm::Sha256));
    m_hash->addItem(tr("None (sizes only)"), int(HashAlgorithm::None));
    // The choices shrink with a narrow dock (their text cut, the list still whole) instead of
    // widening the panel past it.
    for (QComboBox *combo : {m_bind, m_split, m_hash}) {
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(9);
    }
    m_hash->setToolTip(
        tr("The digest of each file, computed while it is written and recorded in the "
           "manifest.\nxxh128: at memory speed; detects corruption, not tampering (check "
           "with xxhsum -H2).\nSHA-256: cryptographic, about a tenth of the speed per stream "
           "(check with sha256sum).\nNone: sizes only."));

    m_tlsCertificate->setPlaceholderText(tr("empty: plain TCP"));
    m_tlsKey->setPlaceholderText(tr("empty: plain TCP"));
    m_tlsCa->setPlaceholderText(tr("empty: any client"));
    m_tlsCertificateBrowse->setToolTip(tr("Choose the TLS certificate file."));
    m_tlsKeyBrowse->setToolTip(tr("Choose the TLS private key file."));
    m_tlsCaBrowse->setToolTip(tr("Choose the client CA file."));
    m_tlsNote->setWordWrap(true);
    m_tlsNote->hide();

    m_run->setRange(0, std::numeric_limits<qint32>::max());
    m_run->setToolTip(tr("Run number, as --run: in every manifest line, event and /status, and "
                         "{run} in file names. New run (while recording) adds one."));
    m_nameTemplate->setToolTip(
        tr("File names below the output directory, as --name-template; '/' makes "
           "sub-directories.\n{port}, {ts} (YYYYMMDD_HHMMSS), {date}, {time}, {run}, {seq} "
           "(number of the file within its port and run), {peer} and {peerport} (one file per "
           "connection), {host}; {run:06} zero-pads.\nEmpty: today's names."));
    m_nameExample->setWordWrap(true);
    m_nameExample->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_doneDir->setPlaceholderText(tr("empty: files stay in the output directory"));
    m_doneDir->setToolTip(tr(
        "As --done-dir: each closed file is moved here (same file system as the output) "
        "once its digest is final, before its manifest line, so whoever takes files from it only "
        "sees complete ones."));
    m_doneDirBrowse->setToolTip(tr("Choose the done directory."));
    m_hookCommand->setPlaceholderText(tr("empty: none"));
    m_hookCommand->setToolTip(
        tr("As --on-file-closed: a command run for every closed file, with its path as the "
           "last argument and CAPTURE_FILE, CAPTURE_PORT, CAPTURE_RUN, CAPTURE_BYTES, "
           "CAPTURE_DIGEST, CAPTURE_DIGEST_ALGORITHM, CAPTURE_CLOSE_REASON in its environment "
           "(no shell)."));
    m_stopAfter->setPlaceholderText(tr("duration"));
    m_stopAfter->setToolTip(tr("As --stop-after: stop once the capture ran this long (90s, "
                               "15m, 1h, 1d); empty: never."));
    m_stopAfterBytes->setPlaceholderText(tr("size"));
    m_stopAfterBytes->setToolTip(tr("As --stop-after-bytes: stop once this much was received, "
                                    "all ports together (512M, 2G); empty: never."));
    m_stopAfterFiles->setRange(0, 100000000);
    m_stopAfterFiles->setSpecialValueText(tr("any files"));
    m_stopAfterFiles->setSuffix(tr(" files"));
    m_stopAfterFiles->setToolTip(
        tr("As --stop-after-files: stop once this many files were closed; 0: never."));
}

} // namespace capture
