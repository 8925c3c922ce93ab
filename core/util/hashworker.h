#pragma once

#include "core/util/digest.h"

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
    void update(const std::shared_ptr<Digest> &digest, const char *data, qint64 size);

    /// Waits until everything queued for `digest` is hashed; returns its hex digest and resets
    /// it for reuse.
    QByteArray finish(const std::shared_ptr<Digest> &digest);

private:
    struct Job
    {
        std::shared_ptr<Digest> digest;
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

/// Several HashWorkers, for many files hashed at once (--hash sha256 on several ports): each
/// file is given to one worker for as long as it is written (its bytes are hashed in order),
/// the worker hashing the fewest files at that moment. Workers are started as they are needed,
/// up to maxWorkers, so one stream uses one, as before. Used from one thread (the engine's).
class HashPool
{
public:
    /// `maxWorkers` < 1: the cores left beside the engine's thread (at least 1, at most 8).
    explicit HashPool(size_t blockSize = 1024 * 1024, int maxWorkers = 0);
    ~HashPool();
    HashPool(const HashPool &) = delete;
    HashPool &operator=(const HashPool &) = delete;

    /// The worker for a file that starts now; give it back with release() when it closes.
    HashWorker *acquire();
    void release(HashWorker *worker);

    int maxWorkers() const { return m_maxWorkers; }
    /// Workers started so far.
    int workers() const { return int(m_workers.size()); }

private:
    struct Slot
    {
        std::unique_ptr<HashWorker> worker;
        int files = 0;
    };

    size_t m_blockSize;
    int m_maxWorkers;
    std::vector<Slot> m_workers;
};

} // namespace capture
