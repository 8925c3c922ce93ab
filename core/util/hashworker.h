#pragma once

#include "core/util/sha256.h"

#include <QByteArray>

#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace capture {

/// Hashes off the engine thread: update() copies the bytes into one of a few blocks (a copy
/// costs a fraction of hashing them) and returns; one worker thread hashes the blocks in the
/// order given. When every block is waiting, update() waits for one: the capture then runs at
/// the hash's pace, with memory bounded by blocks × blockSize. With spare cores, the engine
/// thread reads and writes while another core hashes.
class HashWorker
{
public:
    explicit HashWorker(size_t blockSize = 1024 * 1024, int blocks = 8);
    ~HashWorker();
    HashWorker(const HashWorker &) = delete;
    HashWorker &operator=(const HashWorker &) = delete;

    /// Queues `data` for `digest`. Chunks of one digest are hashed in the order given.
    void update(const std::shared_ptr<Sha256> &digest, const char *data, qint64 size);

    /// Waits until everything queued for `digest` is hashed; returns its hex digest and resets
    /// it for reuse.
    QByteArray finish(const std::shared_ptr<Sha256> &digest);

private:
    struct Job
    {
        std::shared_ptr<Sha256> digest;
        int block = -1; // -1: finish
        size_t size = 0;
        std::promise<QByteArray> *done = nullptr;
    };

    void run();

    size_t m_blockSize;
    std::vector<std::vector<char>> m_blocks;
    std::vector<int> m_free;
    std::deque<Job> m_jobs;
    std::mutex m_mutex;
    std::condition_variable m_jobReady;
    std::condition_variable m_blockFree;
    bool m_stopping = false;
    std::thread m_thread;
};

} // namespace capture
