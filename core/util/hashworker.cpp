#include "core/util/hashworker.h"

#include <QThread>

#include <algorithm>
#include <cstring>

namespace capture {

HashWorker::HashWorker(size_t blockSize, int blocks)
    : m_blockSize(blockSize)
    , m_blocks(size_t(blocks), std::vector<char>(blockSize))
{
    for (int i = 0; i < blocks; ++i)
        m_free.push_back(i);
    m_thread = std::thread([this] { run(); });
}

HashWorker::~HashWorker()
{
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_jobReady.notify_all();
    m_thread.join();
}

void HashWorker::update(const std::shared_ptr<Digest> &digest, const char *data, qint64 size)
{
    while (size > 0) {
        const size_t chunk = std::min(size_t(size), m_blockSize);
        int block = -1;
        {
            std::unique_lock lock(m_mutex);
            m_blockFree.wait(lock, [this] { return !m_free.empty(); });
            block = m_free.back();
            m_free.pop_back();
        }
        std::memcpy(m_blocks[size_t(block)].data(), data, chunk); // the block is ours alone
        {
            const std::lock_guard lock(m_mutex);
            m_jobs.push_back({digest, block, chunk, nullptr});
        }
        m_jobReady.notify_one();
        data += chunk;
        size -= qint64(chunk);
    }
}

QByteArray HashWorker::finish(const std::shared_ptr<Digest> &digest)
{
    std::promise<QByteArray> done;
    std::future<QByteArray> result = done.get_future();
    {
        const std::lock_guard lock(m_mutex);
        m_jobs.push_back({digest, -1, 0, &done});
    }
    m_jobReady.notify_one();
    return result.get();
}

void HashWorker::run()
{
    for (;;) {
        Job job;
        {
            std::unique_lock lock(m_mutex);
            m_jobReady.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
            if (m_jobs.empty()) {
                releaseCryptoThreadState();
                return; // stopping, and nothing left
            }
            job = std::move(m_jobs.front());
            m_jobs.pop_front();
        }
        if (job.done) {
            job.done->set_value(job.digest->finalHex());
            continue;
        }
        job.digest->update(m_blocks[size_t(job.block)].data(), qint64(job.size));
        {
            const std::lock_guard lock(m_mutex);
            m_free.push_back(job.block);
        }
        m_blockFree.notify_one();
    }
}

HashPool::HashPool(size_t blockSize, int maxWorkers)
    : m_blockSize(blockSize)
    , m_maxWorkers(maxWorkers > 0 ? maxWorkers : std::clamp(QThread::idealThreadCount() - 1, 1, 8))
{}

HashPool::~HashPool() = default;

HashWorker *HashPool::acquire()
{
    auto least = std::min_element(m_workers.begin(), m_workers.end(),
                                  [](const Slot &a, const Slot &b) { return a.files < b.files; });
    if (least == m_workers.end() || (least->files > 0 && workers() < m_maxWorkers)) {
        m_workers.push_back({std::make_unique<HashWorker>(m_blockSize), 0});
        least = m_workers.end() - 1;
    }
    ++least->files;
    return least->worker.get();
}

void HashPool::release(HashWorker *worker)
{
    for (Slot &slot : m_workers) {
        if (slot.worker.get() == worker) {
            --slot.files;
            return;
        }
    }
}

} // namespace capture
