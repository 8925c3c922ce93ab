#pragma once

#include "core/capture/receiver.h"
#include "core/config/commandline.h"
#include "core/observe/eventlog.h"

#include <QJsonObject>
#include <QMainWindow>

class QAbstractItemModel;
class QAction;
class QDockWidget;

namespace capture {
class FleetDock;
}
class QLabel;
class QProgressBar;
class QSortFilterProxyModel;
class QTableView;
class QTimer;

namespace capture {

struct UiSettings;
struct VerifyResult;
struct VerifySummary;
class ConnectionsTableModel;
class FilesTableModel;
class LogPanel;
class PortsTableModel;
class RemoteBanner;
class RemoteReceiver;
class SettingsDockBox;
class SettingsPanel;
class ThroughputGraph;
class VerifyJob;

/// The desktop window over a Receiver (the capture controller of this process, which the
/// Application owns and hands in, or a RemoteReceiver for --connect). Holds no capture logic:
/// it turns user actions into receiver calls and the receiver's state, signals and 4 Hz
/// snapshots into tables, a graph, a log and a status bar. On a remote receiver it adds a
/// banner naming it, shows that receiver's settings read-only, asks before Stop, and neither
/// stops it when the window closes nor stores its settings as this desktop's.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    /// `options` pre-fill the settings (explicit command-line options override saved ones);
    /// with ports given on the command line the capture starts at once, as the old tool did.
    MainWindow(Receiver *receiver, const CommandLineOptions &options, QWidget *parent = nullptr);
    ~MainWindow() override;

    Receiver *receiver() const { return m_receiver; }
    bool isVerifying() const;

public Q_SLOTS:
    void startCapture();
    /// Stops the capture; on a remote receiver only once the user confirmed it (a window-modal
    /// question, object name "confirmStopBox", that does not block).
    void stopCapture();
    /// Rotate now: closes every open file (as SIGUSR1); the streams go on into new files.
    void rotateFiles();
    /// New run: rotate and add one to the run number.
    void startNewRun();
    /// The run number in the status bar and title.
    void showRun(qint64 run);
    void openOutputFolder();
    /// Opens `dir` in the file manager; false (said in the log and status bar, with the
    /// folder's path) when nothing could open it.
    bool openFolder(const QString &dir);
    /// Stops a running capture (at once with `immediately`) and closes the window when done,
    /// without asking.
    void quitWhenStopped(bool immediately);
    /// Re-hashes the files `dir`/manifest.jsonl lists, in a worker thread: each result goes to
    /// the log, the summary to the status bar. Ignored while a verification runs; cancelled
    /// when the window closes. Shows no dialog (the Verify… action adds the final message box).
    void verifyDirectory(const QString &dir);
    /// Shows the files' SHA-256 and close reason (the "Manifest" view of the Files table).
    void setManifestView(bool on);

Q_SIGNALS:
    /// A verification ended: all listed files check out (`passed`), and the summary line.
    /// Not emitted for one cancelled by closing the window.
    void verificationFinished(bool passed, const QString &summary);

protected:
    void closeEvent(QCloseEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    static constexpr int statusMessageMs = 15000; ///< how long a passing message stays

    void buildActions();
    void buildLayout();
    /// A remote receiver: the banner above the view, the tables greyed while it is lost.
    void buildRemoteView();
    void stopNow();
    /// The banner above the tables, the ports' states and the setting at fault.
    void showStartFailure(const QList<ListenFailure> &failures, const QString &reason);
    QWidget *makeStartErrorBanner();
    void connectController();
    /// Idle or after a failed start: settings editable, Start enabled.
    bool isIdle() const;
    void showState(RunState state);
    void updateActions();
    void onSnapshot(const StatsSnapshot &snapshot);
    void onPortSelectionChanged();
    void updateFreeSpace();
    void loadSettings(const CommandLineOptions &options);
    /// The Receivers dock (this receiver and those elsewhere), hidden until asked for.
    void buildFleetDock(const CommandLineOptions &options);
    void saveSettings() const;
    /// The window's arrangement beyond the docks: the tables' columns (width, order, sort),
    /// the splitters, the graph's time window and the log's level.
    void saveArrangement(UiSettings &stored) const;
    void restoreArrangement(const UiSettings &stored);
    void askAndVerify();
    void onVerifyResult(const VerifyResult &result);
    void onVerifyProgress(qint64 done, qint64 total);
    /// "Verifying DIR… 7.6 GiB of 18.0 GiB, 12 files checked" in the status bar.
    void showVerifyProgress();
    void onVerifyFinished(const QString &dir, const VerifySummary &summary);
    void cancelVerification();
    QDockWidget *addDock(const QString &title, const QString &objectName, QWidget *content,
                         Qt::DockWidgetArea area);
    /// A sortable table over `model`; `widths` are the columns' initial widths in characters
    /// (one per column); `fileColumn` takes the width left over.
    QTableView *makeTable(QAbstractItemModel *model, QSortFilterProxyModel **proxy,
                          const QString &objectName, const QList<int> &widths, int fileColumn);
    /// Until the user arranges the window (or a saved arrangement was restored), at each
    /// resize: the Ports table as wide as all its columns when the window has the room (else
    /// as wide as port, state, bytes and rate), the Settings dock as wide as its fields need,
    /// at most a third of the window (a quarter from 1600 pixels, where the tables need it).
    void fitToWindow();
    /// The Settings dock's height follows its box: the title and summary while collapsed (the
    /// Files dock below takes the rest), the height it had before once shown whole again.
    void followSettingsCollapse(bool collapsed);
    /// Ctrl+1…5: focus Ports, Connections, Files, Log, Settings (a hidden dock is shown).
    void addPanelShortcuts();

    Receiver *m_receiver;
    RemoteReceiver *m_remote = nullptr; ///< m_receiver when it is one elsewhere
    RemoteBanner *m_banner = nullptr;
    QJsonObject m_remoteSettingsShown; ///< its settings last put into the settings panel
    CaptureEventLog m_eventLog;
    bool m_closeWhenStopped = false;
    bool m_userArranged = false; ///< the tables splitter moved by hand, or a layout restored

    SettingsPanel *m_settings = nullptr;
    SettingsDockBox *m_settingsBox = nullptr;
    int m_settingsDockHeight = 0; ///< the Settings dock's height before it collapsed
    PortsTableModel *m_portsModel = nullptr;
    ConnectionsTableModel *m_connectionsModel = nullptr;
    FilesTableModel *m_filesModel = nullptr;
    QSortFilterProxyModel *m_portsProxy = nullptr;
    QSortFilterProxyModel *m_connectionsProxy = nullptr;
    QSortFilterProxyModel *m_filesProxy = nullptr;
    QTableView *m_portsView = nullptr;
    QTableView *m_connectionsView = nullptr;
    QTableView *m_filesView = nullptr;
    ThroughputGraph *m_graph = nullptr;
    LogPanel *m_log = nullptr;
    FleetDock *m_fleet = nullptr;

    QAction *m_startAction = nullptr;
    QAction *m_stopAction = nullptr;
    QAction *m_rotateAction = nullptr;
    QAction *m_newRunAction = nullptr;
    QAction *m_openFolderAction = nullptr;
    QAction *m_verifyAction = nullptr;
    QAction *m_manifestViewAction = nullptr;

    /// "startErrorBanner": above the tables after a failed start, until the next start or
    /// the user dismisses it.
    QWidget *m_startErrorBanner = nullptr;
    QLabel *m_startErrorText = nullptr;

    QLabel *m_runLabel = nullptr;
    QLabel *m_rateLabel = nullptr;
    QLabel *m_bytesLabel = nullptr;
    QLabel *m_connectionsLabel = nullptr;
    QLabel *m_freeSpaceLabel = nullptr;
    QLabel *m_uptimeLabel = nullptr;
    QTimer *m_freeSpaceTimer = nullptr;

    VerifyJob *m_verify = nullptr;
    bool m_verifyShowsDialog = false;
    QString m_verifyDir;                      ///< the directory being verified (absolute)
    int m_verifyChecked = 0;                  ///< files checked so far
    qint64 m_verifyDone = 0;                  ///< bytes read of m_verifyTotal
    qint64 m_verifyTotal = -1;                ///< the listed files' bytes; -1 before it is known
    QProgressBar *m_verifyProgress = nullptr; ///< "verifyProgress", in the status bar
};

} // namespace capture
