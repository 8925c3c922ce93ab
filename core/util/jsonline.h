#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

namespace capture {

/// One JSON object as one line of a JSON Lines file (the manifest, the events file): compact,
/// with its newline.
QByteArray jsonLine(const QJsonObject &object);

/// `text` as a JSON string, or null when it is empty (no file yet, no digest with --hash none).
QJsonValue stringOrNull(const QString &text);

} // namespace capture
