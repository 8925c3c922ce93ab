#include "ui/mainwindow.h"

#include "core/manifest/manifest.h"
#include "ui/logpanel.h"
#include "ui/settingspanel.h"
#include "ui/verifyjob.h"

#include <QAction>
#include <QDir>
#include <QFileInfo>
#include <QMessageBox>
#include <QStatusBar>

using namespace Qt::Literals::StringLiterals;

// Verify…: re-hashing the files a manifest lists, in a worker thread, the results in the log.

namespace capture {

void MainWindow::verifyDirectory(const QString &dir)
{
    if (m_verify->isRunning())
        return;
    const QString path = QDir(dir).absolutePath();
    m_verifyShowsDialog = false;
    m_verifyAction->setEnabled(false);
    m_log->addEntry(
        CaptureEventLog::Level::Info,
        tr("verify: checking %1 against %2").arg(path, QString::fromUtf16(manifestFileName)));
    statusBar()->showMessage(tr("Verifying %1…").arg(path));
    m_verify->start(path);
}

bool MainWindow::isVerifying() const
{
    return m_verify->isRunning();
}

void MainWindow::onVerifyResult(const VerifyResult &result)
{
    const bool problem = result.status == VerifyResult::Status::Mismatch ||
                         result.status == VerifyResult::Status::Missing ||
                         result.status == VerifyResult::Status::Invalid;
    m_log->addEntry(
        problem ? CaptureEventLog::Level::Error : CaptureEventLog::Level::Info,
        u"verify: %1 %2: %3"_s.arg(verifyStatusName(result.status), result.file, result.detail));
}

void MainWindow::onVerifyFinished(const QString &dir, const VerifySummary &summary)
{
    m_verifyAction->setEnabled(true);
    const QString text = summary.error.isEmpty() ? tr("verify %1: %2").arg(dir, summary.text())
                                                 : tr("verify: %1").arg(summary.error);
    m_log->addEntry(summary.passed() ? CaptureEventLog::Level::Info : CaptureEventLog::Level::Error,
                    text);
    statusBar()->showMessage(text, statusMessageMs);
    if (m_verifyShowsDialog) {
        // Window-modal and non-blocking: the capture's tables keep updating behind it.
        auto *box = new QMessageBox(
            summary.passed() ? QMessageBox::Information : QMessageBox::Warning,
            summary.passed() ? tr("Verification passed") : tr("Verification found problems"), text,
            QMessageBox::Ok, this);
        box->setInformativeText(summary.passed() ? QString()
                                                 : tr("Each file's result is in the log."));
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
    m_log->addEntry(CaptureEventLog::Level::Warning, tr("verify: cancelled"));
}

} // namespace capture
