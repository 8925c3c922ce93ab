#pragma once

#include <vector>

namespace capture {

class CaptureEvents;
class DescriptorReserve;
class DoneDirectory;
class FreeSpaceMonitor;
class HashPool;
class ManifestWriter;
class NameTemplate;
class RunDirectory;
struct RunCounters;

/// The owners one engine run gives its listeners and file series, each with one job. The
/// engine owns them for the run (and keeps them until the next start: sessions deleted later
/// may still refer to them).
struct RunParts
{
    std::vector<char> *readBuffer = nullptr; ///< the one scratch buffer every session reads into
    RunCounters *counters = nullptr;
    ManifestWriter *manifest = nullptr;
    /// Hashes files off the engine thread (--hash sha256); null: hashed inline, or not at all.
    HashPool *hashPool = nullptr;
    /// One descriptor kept for a file when connections hold every other one.
    DescriptorReserve *spareDescriptor = nullptr;
    FreeSpaceMonitor *freeSpace = nullptr;  ///< --min-free-space
    RunDirectory *directory = nullptr;      ///< the output directory, watched
    CaptureEvents *events = nullptr;        ///< where the listeners report what happens
    const NameTemplate *names = nullptr;    ///< --name-template
    const DoneDirectory *doneDir = nullptr; ///< --done-dir; null: files stay in the output
};

} // namespace capture
