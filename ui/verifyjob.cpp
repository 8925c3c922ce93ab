#include "ui/verifyjob.h"

#include "core/manifest/manifest.h"
#include "core/util/sha256.h"

#include <QThread>

using namespace Qt::Literals::StringLiterals;

namespace capture {

VerifyJob::VerifyJob(QObject *parent)
    : QObject(parent)
{}

VerifyJob::~VerifyJob()
{
    cancel();
}

bool VerifyJob::start(const QString &dir)
{
    if (m_thread)
        return false;
    const quint64 run = ++m_run;
    m_cancel = false;
    // Results come back queued, one per file; the summary is the worker's last post.
    m_thread.reset(QThread::create([this, run, dir] {
        const VerifySummary summary = capture::verifyDirectory(
            dir,
            [this, run](const VerifyResult &result) {
                QMetaObject::invokeMethod(
                    this, [this, run, result] { onResult(run, result); }, Qt::QueuedConnection);
            },
            &m_cancel,
            [this, run](qint64 done, qint64 total) {
                QMetaObject::invokeMethod(
                    this, [this, run, done, total] { onProgress(run, done, total); },
                    Qt::QueuedConnection);
            });
        capture::releaseCryptoThreadState();
        QMetaObject::invokeMethod(
            this, [this, run, dir, summary] { onFinished(run, dir, summary); },
            Qt::QueuedConnection);
    }));
    m_thread->setObjectName(u"verify"_s);
    m_thread->start(QThread::LowPriority);
    return true;
}

bool VerifyJob::cancel()
{
    if (!m_thread)
        return false;
    m_cancel = true;
    m_thread->wait();
    m_thread.reset();
    ++m_run; // what it still posted is dropped
    return true;
}

void VerifyJob::onResult(quint64 run, const VerifyResult &result)
{
    if (run == m_run)
        Q_EMIT this->result(result);
}

void VerifyJob::onProgress(quint64 run, qint64 done, qint64 total)
{
    if (run == m_run)
        Q_EMIT progress(done, total);
}

void VerifyJob::onFinished(quint64 run, const QString &dir, const VerifySummary &summary)
{
    if (run != m_run || !m_thread)
        return;
    m_thread->wait(); // it has posted this as its last act
    m_thread.reset();
    Q_EMIT finished(dir, summary);
}

} // namespace capture
