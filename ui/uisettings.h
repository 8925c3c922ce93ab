#pragma once

#include "core/capture/capturesettings.h"
#include "core/tls/tlsconfig.h"

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QString>
#include <QStringView>

#include <optional>

class QSettings;

namespace capture {

/// What the window remembers between sessions: the capture settings as last entered and the
/// window's layout. Each key is named once, here. They are the keys every earlier version
/// saved: renaming one would lose what users have saved.
struct UiSettings
{
    static constexpr QStringView BindKey = u"capture/bind";
    static constexpr QStringView PortsKey = u"capture/ports";
    static constexpr QStringView UdpPortsKey = u"capture/udpPorts";
    static constexpr QStringView OutputKey = u"capture/output";
    static constexpr QStringView SplitKey = u"capture/split";
    static constexpr QStringView HashKey = u"capture/hash";
    static constexpr QStringView RunKey = u"capture/run";
    static constexpr QStringView NameTemplateKey = u"capture/nameTemplate";
    static constexpr QStringView DoneDirKey = u"capture/doneDir";
    static constexpr QStringView OnFileClosedKey = u"capture/onFileClosed";
    static constexpr QStringView TlsCertificateKey = u"capture/tlsCert";
    static constexpr QStringView TlsKeyKey = u"capture/tlsKey";
    static constexpr QStringView TlsCaKey = u"capture/tlsCa";
    static constexpr QStringView GeometryKey = u"window/geometry";
    static constexpr QStringView WindowStateKey = u"window/state";
    static constexpr QStringView FilesManifestViewKey = u"window/filesManifestView";
    /// Under it, one key per table header and splitter (their saveState()).
    static constexpr QStringView ViewsGroup = u"window/views";
    static constexpr QStringView GraphWindowKey = u"window/graphWindow";
    static constexpr QStringView LogLevelKey = u"window/logLevel";
    static constexpr QStringView GraphIntervalKey = u"window/graphIntervalMs";
    static constexpr QStringView GraphLogScaleKey = u"window/graphLogScale";

    /// Unset when never saved, or saved but not an address.
    std::optional<QHostAddress> bindAddress;
    /// The Ports field as typed, which may not be a valid list: it is checked where used.
    std::optional<QString> ports;
    std::optional<QString> udpPorts; ///< the UDP ports field as typed (empty: none)
    std::optional<QString> outputDir;
    /// Unset when never saved, or saved but not a split mode's name.
    std::optional<SplitMode> split;
    /// Unset when never saved, or saved but not an algorithm's name.
    std::optional<HashAlgorithm> hash;
    std::optional<qint64> run; ///< the run number last entered (or reached by New run)
    std::optional<QString> nameTemplate;
    std::optional<QString> doneDir;
    std::optional<QString> onFileClosed;
    /// The three go together: set whenever a certificate entry was saved (a missing key or
    /// CA entry reads as empty).
    std::optional<TlsFiles> tlsFiles;
    QByteArray geometry;    ///< QWidget::saveGeometry()
    QByteArray windowState; ///< QMainWindow::saveState(): docks and toolbars
    bool filesManifestView = false;
    /// The tables' columns (widths, order, sort) and the splitters, by name.
    QHash<QString, QByteArray> views;
    std::optional<int> graphWindow;     ///< ThroughputGraph::Window
    std::optional<int> logLevel;        ///< the log's minimum CaptureEventLog::Level shown
    std::optional<int> graphIntervalMs; ///< the graph's averaging interval
    std::optional<bool> graphLogScale;

    static UiSettings load(const QSettings &store);
    /// Writes every field that is set (and the window's three always).
    void save(QSettings &store) const;
};

} // namespace capture
