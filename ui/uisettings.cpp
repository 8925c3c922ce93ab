#include "ui/uisettings.h"

#include <QSettings>

#include <limits>

namespace capture {

UiSettings UiSettings::load(const QSettings &store)
{
    UiSettings s;
    if (store.contains(BindKey))
        s.bindAddress = parseBindAddress(store.value(BindKey).toString());
    if (store.contains(PortsKey))
        s.ports = store.value(PortsKey).toString();
    if (store.contains(UdpPortsKey))
        s.udpPorts = store.value(UdpPortsKey).toString();
    if (store.contains(OutputKey))
        s.outputDir = store.value(OutputKey).toString();
    if (store.contains(SplitKey))
        s.split = splitModeFromName(store.value(SplitKey).toString());
    if (store.contains(HashKey))
        s.hash = hashAlgorithmFromName(store.value(HashKey).toString());
    if (store.contains(RunKey)) {
        bool ok = false;
        const qint64 run = store.value(RunKey).toLongLong(&ok);
        if (ok && run >= 0 && run <= std::numeric_limits<qint32>::max())
            s.run = run;
    }
    for (const auto &[key, field] :
         {std::pair{NameTemplateKey, &s.nameTemplate}, std::pair{DoneDirKey, &s.doneDir},
          std::pair{OnFileClosedKey, &s.onFileClosed}}) {
        if (store.contains(key))
            *field = store.value(key).toString();
    }
    if (store.contains(TlsCertificateKey))
        s.tlsFiles = TlsFiles{store.value(TlsCertificateKey).toString(),
                              store.value(TlsKeyKey).toString(), store.value(TlsCaKey).toString()};
    s.geometry = store.value(GeometryKey).toByteArray();
    s.windowState = store.value(WindowStateKey).toByteArray();
    s.filesManifestView = store.value(FilesManifestViewKey, false).toBool();
    const QString viewsPrefix = ViewsGroup.toString() + u'/';
    for (const QString &key : store.allKeys()) {
        if (key.startsWith(viewsPrefix))
            s.views.insert(key.mid(viewsPrefix.size()), store.value(key).toByteArray());
    }
    for (const auto &[key, field] :
         {std::pair{GraphWindowKey, &s.graphWindow}, std::pair{LogLevelKey, &s.logLevel},
          std::pair{GraphIntervalKey, &s.graphIntervalMs}}) {
        bool ok = false;
        const int value = store.value(key).toInt(&ok);
        if (ok)
            *field = value;
    }
    if (store.contains(GraphLogScaleKey))
        s.graphLogScale = store.value(GraphLogScaleKey).toBool();
    return s;
}

void UiSettings::save(QSettings &store) const
{
    if (bindAddress)
        store.setValue(BindKey, bindAddressText(*bindAddress));
    if (ports)
        store.setValue(PortsKey, *ports);
    if (udpPorts)
        store.setValue(UdpPortsKey, *udpPorts);
    if (outputDir)
        store.setValue(OutputKey, *outputDir);
    if (split)
        store.setValue(SplitKey, splitModeName(*split));
    if (hash)
        store.setValue(HashKey, hashAlgorithmName(*hash));
    if (run)
        store.setValue(RunKey, *run);
    for (const auto &[key, field] :
         {std::pair{NameTemplateKey, &nameTemplate}, std::pair{DoneDirKey, &doneDir},
          std::pair{OnFileClosedKey, &onFileClosed}}) {
        if (*field)
            store.setValue(key, **field);
    }
    if (tlsFiles) {
        store.setValue(TlsCertificateKey, tlsFiles->certificate);
        store.setValue(TlsKeyKey, tlsFiles->key);
        store.setValue(TlsCaKey, tlsFiles->ca);
    }
    store.setValue(GeometryKey, geometry);
    store.setValue(WindowStateKey, windowState);
    store.setValue(FilesManifestViewKey, filesManifestView);
    for (auto it = views.begin(); it != views.end(); ++it)
        store.setValue(ViewsGroup.toString() + u'/' + it.key(), it.value());
    if (graphWindow)
        store.setValue(GraphWindowKey, *graphWindow);
    if (logLevel)
        store.setValue(LogLevelKey, *logLevel);
    if (graphIntervalMs)
        store.setValue(GraphIntervalKey, *graphIntervalMs);
    if (graphLogScale)
        store.setValue(GraphLogScaleKey, *graphLogScale);
}

} // namespace capture
