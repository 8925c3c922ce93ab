#pragma once

#include <QLabel>
#include <QTimer>

namespace capture {

class RemoteReceiver;

/// The coloured line above a remote receiver's view: which receiver it is, whether it answers
/// (blue: connected, amber: connecting, red: lost), the time since its last answer, and why
/// its controls are off when they are. Refreshed on each change and once a second.
class RemoteBanner : public QLabel
{
    Q_OBJECT

public:
    explicit RemoteBanner(RemoteReceiver *receiver, QWidget *parent = nullptr);

    /// The text without markup, for tests and the accessibility name.
    QString plainText() const { return m_plain; }

private:
    void refresh();

    RemoteReceiver *m_receiver;
    QTimer m_timer;
    QString m_plain;
};

} // namespace capture
