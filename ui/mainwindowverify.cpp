#include "ui/mainwindow.h"

#include "core/manifest/manifest.h"
#include "core/util/units.h"
#include "ui/logpanel.h"
#include "ui/models/filestablemodel.h"
#include "ui/settingspanel.h"
#include "ui/verifyjob.h"

#include <QAction>
#include <QDir>
#include <QFileInfo>
#include <QMessageBox>
#include <QProgressBar>
#include <QStatusBar>
#include <QTableView>

using namespace Qt::Literals::StringLiterals;

// Verify…: re-hashing the files a manifest lists, in a worker thread, with a progress bar in
// bytes; each result in the log and in the Files table.

namespace capture {

void MainWindow::verifyDirectory(const QString &dir)
{
    if (m_verify->isRunning())
        return;
    const QString path = QDir(dir).absolutePath();
    m_verifyShowsDialog = false;
    m_verifyAction->setEnabled(false);
    m_verifyDir = path;
    m_verifyChecked = 0;
    m_verifyDone = 0;
    m_verifyTotal = -1;
    m_filesModel->clearVerifications();
    m_filesView->setColumnHidden(FilesTableModel::Verified, false);
    m_log->addEntry(
        CaptureEventLog::Level::Info,
        tr("verify: checking %1 against %2").arg(path, QString::fromUtf16(manifestFileName)));
    if (!m_verifyProgress) {
        auto *bar = new QProgressBar(this);
        bar->setObjectName(u"verifyProgress"_s);
        bar->setMinimumWidth(fontMetrics().horizontalAdvance(u"000.0 MiB of 000.0 MiB"_s) + 16);
        statusBar()->insertPermanentWidget(0, bar); // a message would hide a normal widget
        m_verifyProgress = bar;
    }
    m_verifyProgress->setRange(0, 0); // busy until the manifest is read
    m_verifyProgress->show();
    showVerifyProgress();
    m_verify->start(path);
}

bool MainWindow::isVerifying() const
{
    return m_verify->isRunning();
}

void MainWindow::onVerifyResult(const VerifyResult &result)
{
    using Status = VerifyResult::Status;
    const bool problem = result.status == Status::Mismatch || result.status == Status::Missing ||
                         result.status == Status::Invalid;
    m_log->addEntry(
        problem ? CaptureEventLog::Level::Error : CaptureEventLog::Level::Info,
        u"verify: %1 %2: %3"_s.arg(verifyStatusName(result.status), result.file, result.detail));
    // A file's result goes to its row too (runs and manifest lines have none).
    const bool aboutAFile = result.status != Status::Invalid &&
                            result.status != Status::Unstopped && result.status != Status::Running;
    if (!aboutAFile)
        return;
    ++m_verifyChecked;
    m_filesModel->setVerification(QDir(m_verifyDir).absoluteFilePath(result.file),
                                  verifyStatusName(result.status), result.detail, problem);
    showVerifyProgress();
}

void MainWindow::onVerifyProgress(qint64 done, qint64 total)
{
    m_verifyDone = done;
    m_verifyTotal = total;
    // Per mille, so the bar moves on a 18 GB check; %p% still says percent.
    m_verifyProgress->setRange(0, 1000);
    m_verifyProgress->setValue(total > 0 ? int(done * 1000 / total) : 1000);
    showVerifyProgress();
}

void MainWindow::showVerifyProgress()
{
    // The bytes in the bar (a permanent widget, never cut), the count in the message (cut at
    // the right on a narrow window), the directory in the bar's tooltip and the log.
    if (m_verifyTotal >= 0)
        m_verifyProgress->setFormat(
            tr("%1 of %2")
                .arg(formatBytes(quint64(m_verifyDone)), formatBytes(quint64(m_verifyTotal))));
    else
        m_verifyProgress->setFormat(tr("reading the manifest"));
    m_verifyProgress->setToolTip(
        tr("Verify… is re-hashing the files %1 lists: bytes read of the sizes it gives")
            .arg(QDir(m_verifyDir).filePath(QString::fromUtf16(manifestFileName))));
    statusBar()->showMessage(tr("Verifying: %n file(s) checked", nullptr, m_verifyChecked));
}

void MainWindow::onVerifyFinished(const QString &dir, const VerifySummary &summary)
{
    m_verifyAction->setEnabled(true);
    if (m_verifyProgress)
        m_verifyProgress->hide();
    const int checked = summary.ok + summary.mismatch + summary.missing + summary.deleted +
                        summary.lost + summary.unlisted;
    // Files still being written are listed when they close: "passed, 0 files" would read as
    // a check of them.
    const bool nothingYet = summary.error.isEmpty() && checked == 0 && summary.passed();
    QString text;
    if (!summary.error.isEmpty())
        text = tr("verify: %1").arg(summary.error);
    else if (nothingYet && summary.open > 0)
        text = tr("verify %1: nothing to verify yet, no file has been closed; %n file(s) "
                  "still being written (each is listed in the manifest when it closes)",
                  nullptr, summary.open)
                   .arg(dir);
    else if (nothingYet)
        text = tr("verify %1: nothing to verify yet, the manifest lists no file").arg(dir);
    else
        text = tr("verify %1: %2").arg(dir, summary.text());
    m_log->addEntry(summary.passed() ? CaptureEventLog::Level::Info : CaptureEventLog::Level::Error,
                    text);
    statusBar()->showMessage(text, statusMessageMs);
    if (m_verifyShowsDialog) {
        // Window-modal and non-blocking: the capture's tables keep updating behind it.
        const QString title = nothingYet         ? tr("Nothing to verify yet")
                              : summary.passed() ? tr("Verification passed")
                                                 : tr("Verification found problems");
        auto *box =
            new QMessageBox(summary.passed() ? QMessageBox::Information : QMessageBox::Warning,
                            title, text, QMessageBox::Ok, this);
        box->setInformativeText(nothingYet
                                    ? QString()
                                    : tr("Each file's result is in the Files table's Verified "
                                         "column and in the log."));
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    }
    m_verifyShowsDialog = false;
    Q_EMIT verificationFinished(summary.passed(), text);
}

void MainWindow::cancelVerification()
{
    if (!m_verify->cancel())
        return;
    m_verifyAction->setEnabled(true);
    if (m_verifyProgress)
        m_verifyProgress->hide();
    m_log->addEntry(CaptureEventLog::Level::Warning, tr("verify: cancelled"));
}

} // namespace capture
