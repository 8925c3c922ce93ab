#include "ui/fleet/fleetstore.h"

#include "core/config/optionchecks.h"
#include "core/remote/remotereceiver.h"
#include "core/util/printable.h"

#include <QSettings>
#include <QSslCertificate>
#include <QUrl>

using namespace Qt::Literals::StringLiterals;

namespace capture {

QList<ReceiverEntry> loadReceiverEntries(QSettings &store)
{
    QList<ReceiverEntry> entries;
    const int n = store.beginReadArray(u"receivers"_s);
    for (int i = 0; i < n; ++i) {
        store.setArrayIndex(i);
        ReceiverEntry e{store.value(u"name"_s).toString(), store.value(u"url"_s).toString(),
                        store.value(u"token_file"_s).toString(),
                        store.value(u"ca_file"_s).toString()};
        if (!e.url.isEmpty())
            entries.append(e);
    }
    store.endArray();
    return entries;
}

void saveReceiverEntries(QSettings &store, const QList<ReceiverEntry> &entries)
{
    store.remove(u"receivers"_s);
    store.beginWriteArray(u"receivers"_s, int(entries.size()));
    for (int i = 0; i < entries.size(); ++i) {
        store.setArrayIndex(i);
        store.setValue(u"name"_s, entries[i].name);
        store.setValue(u"url"_s, entries[i].url);
        store.setValue(u"token_file"_s, entries[i].tokenFile);
        store.setValue(u"ca_file"_s, entries[i].caFile);
    }
    store.endArray();
}

std::unique_ptr<RemoteReceiver> makeRemoteReceiver(const ReceiverEntry &entry, QString *error)
{
    const QUrl url(entry.url, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https") ||
        url.host().isEmpty()) {
        *error = u"'%1' is not an http:// or https:// address"_s.arg(entry.url);
        return nullptr;
    }
    QByteArray token;
    if (!entry.tokenFile.isEmpty()) {
        Checked<QByteArray> checked = checkControlTokenFile(entry.tokenFile);
        if (!checked.value) {
            *error = u"token file '%1': %2"_s.arg(printablePath(entry.tokenFile), checked.problem);
            return nullptr;
        }
        token = *checked.value;
    }
    QList<QSslCertificate> cas;
    if (!entry.caFile.isEmpty()) {
        cas = QSslCertificate::fromPath(entry.caFile, QSsl::Pem);
        if (cas.isEmpty()) {
            *error = u"CA file '%1': no PEM certificate in it"_s.arg(printablePath(entry.caFile));
            return nullptr;
        }
    }
    return std::make_unique<RemoteReceiver>(url, token, cas);
}

} // namespace capture
