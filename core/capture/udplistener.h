#pragma once

#include "core/capture/capturesettings.h"
#include "core/capture/capturetypes.h"
#include "core/capture/runparts.h"
#include "core/net/udpsocket.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QObject>

#include <memory>
#include <vector>

class QSocketNotifier;

namespace capture {

class FileSeries;
class PortFiles;
class RefusalLog;
class Session;
class UdpBatch;
class UdpSources;
struct Datagram;

/// One UDP port (--udp-ports): reads datagrams in batches (recvmmsg, from a QSocketNotifier in
/// the engine's thread) and writes each whole, in --udp-format, into the port's files (or a
/// source's, with --split connection) through PortFiles and FileSeries, so that rotation,
/// --max-files, hashing, the manifest and hooks work as for TCP. Counts datagrams, the kernel's
/// drops (SO_RXQ_OVFL with every datagram, SO_MEMINFO on each tick) and datagrams cut by the
/// read buffer; reports drops at most once a second.
class UdpListener : public QObject
{
    Q_OBJECT

public:
    /// `settings`, the owners in `parts` and `batch` (the thread's read slots) outlive it.
    UdpListener(quint16 port, const CaptureSettings &settings, const RunParts &parts,
                UdpBatch *batch, QObject *parent = nullptr);
    ~UdpListener() override;

    quint16 port() const { return m_port; }
    /// Binds and sets the receive buffer; false with the operating system's reason.
    bool listen(const QHostAddress &address, QString *error);
    /// Starts reading (after every port is bound); warns when the buffer was not granted.
    void start();
    /// Graceful stop: reads what the kernel holds now, counts the drops, stops reading.
    void finalRead();
    /// Closes the port's files (and each source's) and the socket.
    void closeFiles();

    void tick(double seconds);
    PortStats stats() const;
    PortSummary summary() const;
    PortFiles *files() const { return m_files; }

private:
    void setReadingPaused(bool paused);
    /// Reads up to `maxBatches` batches; false once the socket has nothing more.
    bool readBatches(int maxBatches);
    void writeBatch(int count);
    /// Writes what is staged for `series`; false on a write failure (reported).
    bool flush();
    void writeFailed(FileSeries *series, quint64 datagramsLost);
    void reportCut(const Datagram &d);
    /// `series` is about to close: nothing staged or remembered for it is used again.
    void forgetSeries(FileSeries *series);
    /// Takes in the kernel's drop count (cumulative for the socket; SO_RXQ_OVFL and SO_MEMINFO
    /// read the same counter, so the larger is the count).
    void noteDropCount(quint64 total);
    /// Drops not yet in a file's manifest line go to `series`.
    void attributeDrops(FileSeries *series);
    void reportDrops(bool atStop);

    quint16 m_port;
    const CaptureSettings &m_settings;
    RunParts m_parts;
    UdpBatch *m_batch;
    const std::vector<Session *> m_noSessions; ///< PortFiles reads sessions; UDP has none
    PortFiles *m_files;
    int m_fd = -1;
    QSocketNotifier *m_notifier = nullptr;
    ReceiveBufferGrant m_buffer;
    RefusalLog *m_refusalLog; ///< datagrams refused (--allow, limits), at most a line a second
    std::unique_ptr<UdpSources> m_sources;
    FileSeries *m_staged = nullptr; ///< the series the staged bytes are for
    quint64 m_stagedId = 0;
    quint64 m_stagedDatagrams = 0;
    quint64 m_stagedPayload = 0;
    FileSeries *m_lastWritten = nullptr; ///< where drops seen at the stop go (split connection)
    PortStats m_stats;
    quint64 m_bytesWritten = 0;
    quint64 m_notWritten = 0;        ///< datagrams read but not written (write error, cut)
    quint32 m_lastDropCount = 0;     ///< SO_RXQ_OVFL's last value (32 bits, wraps)
    quint64 m_droppedBeforeLast = 0; ///< SO_RXQ_OVFL's count, extended past 32 bits
    quint64 m_dropsAttributed = 0;   ///< drops already counted into a file
    quint64 m_dropsReported = 0;     ///< drops already in a log line
    QElapsedTimer m_lastDropReport;
    QElapsedTimer m_lastCutReport;
    quint64 m_bytesAtLastTick = 0;
    quint64 m_datagramsAtLastTick = 0;
    qint64 m_nowMs = 0; ///< the time of the batches being read (a source's last datagram)
};

} // namespace capture
