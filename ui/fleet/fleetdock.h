#pragma once

#include "core/config/options.h"

#include <QDockWidget>
#include <QHash>
#include <QPointer>

namespace capture {

class MainWindow;
class Receiver;
class ReceiversPanel;

/// The window's Receivers dock: the ReceiversPanel with this process's receiver first and
/// the receivers elsewhere kept in the settings (~/.config/capture-receiver/, without tokens).
/// Double-clicking a receiver elsewhere opens a window of its own on it.
class FleetDock : public QDockWidget
{
    Q_OBJECT

public:
    /// `local`: this process's receiver (none for a window on a receiver elsewhere);
    /// `options`: what the windows it opens are given.
    FleetDock(Receiver *local, const CommandLineOptions &options, QWidget *parent = nullptr);
    ~FleetDock() override;

    ReceiversPanel *panel() const { return m_panel; }
    /// Connect to receiver…: asks for one elsewhere, adds it to the list and opens its window.
    void connectToReceiver();

Q_SIGNALS:
    /// This process's own row was double-clicked.
    void localRequested();

private:
    void open(Receiver *receiver, const QString &name);
    void save() const;

    ReceiversPanel *m_panel;
    Receiver *m_local;
    CommandLineOptions m_options;
    QHash<Receiver *, QPointer<MainWindow>> m_windows;
};

} // namespace capture
