#pragma once

#include <QList>
#include <QString>

#include <memory>

class QSettings;

namespace capture {

class RemoteReceiver;

/// One receiver of the Receivers panel as it is kept between runs: never a token, only the
/// file holding it.
struct ReceiverEntry
{
    QString name;
    QString url;       ///< its --status address, http:// or https://
    QString tokenFile; ///< its --control-token-file's token, in a file of this user's
    QString caFile;    ///< for https: the CA certificate(s) its certificate chains to

    bool operator==(const ReceiverEntry &) const = default;
};

/// The entries in the [receivers] array of the settings (~/.config/capture-receiver/).
QList<ReceiverEntry> loadReceiverEntries(QSettings &store);
void saveReceiverEntries(QSettings &store, const QList<ReceiverEntry> &entries);

/// A RemoteReceiver for `entry`, its token read from the token file (the same rules as
/// --control-token-file: owner-only, one token) and its CA file loaded; nullptr with a
/// one-line `error` naming the file when one cannot be used, or the URL when it is not
/// http(s).
std::unique_ptr<RemoteReceiver> makeRemoteReceiver(const ReceiverEntry &entry, QString *error);

} // namespace capture
