#include "ui/remotebanner.h"

#include "core/remote/remotereceiver.h"
#include "core/util/units.h"

using namespace Qt::Literals::StringLiterals;

namespace capture {

RemoteBanner::RemoteBanner(RemoteReceiver *receiver, QWidget *parent)
    : QLabel(parent)
    , m_receiver(receiver)
{
    setObjectName(u"remoteBanner"_s);
    setTextFormat(Qt::PlainText);
    setMargin(6);
    setAutoFillBackground(true);
    QFont bold = font();
    bold.setBold(true);
    setFont(bold);
    connect(receiver, &RemoteReceiver::connectionStateChanged, this, &RemoteBanner::refresh);
    connect(receiver, &Receiver::controlAvailabilityChanged, this, &RemoteBanner::refresh);
    connect(receiver, &RemoteReceiver::restarted, this, &RemoteBanner::refresh);
    connect(&m_timer, &QTimer::timeout, this, &RemoteBanner::refresh);
    m_timer.start(1000);
    refresh();
}

void RemoteBanner::refresh()
{
    using State = RemoteReceiver::ConnectionState;
    const State state = m_receiver->connectionState();
    QString link;
    QColor background;
    switch (state) {
    case State::Connecting:
        link = tr("connecting…");
        background = QColor(0x7a, 0x5c, 0x00);
        break;
    case State::Connected:
        link = tr("connected");
        background = QColor(0x1f, 0x4e, 0x79);
        break;
    case State::Lost:
        link = tr("connection lost, reconnecting");
        background = QColor(0xa4, 0x26, 0x2c);
        break;
    }
    QString text = tr("Remote receiver %1 — %2").arg(m_receiver->url().toDisplayString(), link);
    const QDateTime last = m_receiver->lastContact();
    if (last.isValid()) {
        const qint64 ago = std::max<qint64>(0, last.msecsTo(QDateTime::currentDateTime()));
        text += ago < 1000 ? tr(" — last answer just now")
                           : tr(" — last answer %1 s ago").arg(ago / 1000);
    }
    if (!m_receiver->canControl())
        text += tr(" — watching only: %1").arg(m_receiver->controlUnavailableReason());
    m_plain = text;
    setText(text);
    setAccessibleName(text);
    QPalette p = palette();
    p.setColor(QPalette::Window, background);
    p.setColor(QPalette::WindowText, Qt::white);
    setPalette(p);
}

} // namespace capture
