#include "ui/uisettings.h"

#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::Literals::StringLiterals;
using namespace capture;

/// The window's saved settings: the keys users' stores already hold load, and saving writes
/// them under the same keys.
class TestUiSettings : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString storePath() const { return m_dir.filePath(u"store.ini"_s); }

private Q_SLOTS:
    void init() { QFile::remove(storePath()); }

    void emptyStoreLeavesEverythingUnset()
    {
        const QSettings store(storePath(), QSettings::IniFormat);
        const UiSettings s = UiSettings::load(store);
        QVERIFY(!s.bindAddress);
        QVERIFY(!s.ports);
        QVERIFY(!s.outputDir);
        QVERIFY(!s.split);
        QVERIFY(!s.tlsFiles);
        QVERIFY(s.geometry.isEmpty());
        QVERIFY(s.windowState.isEmpty());
        QVERIFY(!s.filesManifestView);
    }

    void loadsTheKeysUsersHave()
    {
        {
            QSettings store(storePath(), QSettings::IniFormat);
            store.setValue(u"capture/bind"_s, u"127.0.0.1"_s);
            store.setValue(u"capture/ports"_s, u"7000-7002,7005"_s);
            store.setValue(u"capture/output"_s, u"/srv/capture"_s);
            store.setValue(u"capture/split"_s, u"connection"_s);
            store.setValue(u"capture/tlsCert"_s, u"/etc/c.pem"_s);
            store.setValue(u"capture/tlsKey"_s, u"/etc/k.pem"_s);
            store.setValue(u"window/geometry"_s, QByteArray("geometry"));
            store.setValue(u"window/state"_s, QByteArray("state"));
            store.setValue(u"window/filesManifestView"_s, true);
        }
        const QSettings store(storePath(), QSettings::IniFormat);
        const UiSettings s = UiSettings::load(store);
        QCOMPARE(s.bindAddress, QHostAddress(QHostAddress::LocalHost));
        QCOMPARE(s.ports, u"7000-7002,7005"_s);
        QCOMPARE(s.outputDir, u"/srv/capture"_s);
        QCOMPARE(s.split, SplitMode::Connection);
        QVERIFY(s.tlsFiles);
        QCOMPARE(s.tlsFiles->certificate, u"/etc/c.pem"_s);
        QCOMPARE(s.tlsFiles->key, u"/etc/k.pem"_s);
        QCOMPARE(s.tlsFiles->ca, QString()); // never saved: empty
        QCOMPARE(s.geometry, QByteArray("geometry"));
        QCOMPARE(s.windowState, QByteArray("state"));
        QVERIFY(s.filesManifestView);
    }

    void unreadableValuesAreUnset()
    {
        {
            QSettings store(storePath(), QSettings::IniFormat);
            store.setValue(u"capture/bind"_s, u"not an address"_s);
            store.setValue(u"capture/split"_s, u"sideways"_s);
            store.setValue(u"capture/ports"_s, u"70000"_s);
        }
        const QSettings store(storePath(), QSettings::IniFormat);
        const UiSettings s = UiSettings::load(store);
        QVERIFY(!s.bindAddress);
        QVERIFY(!s.split);
        QCOMPARE(s.ports, u"70000"_s); // kept as typed; the window checks it
    }

    void runAndHandOffFieldsRoundTrip()
    {
        UiSettings s;
        s.run = 4711;
        s.nameTemplate = u"run_{run:06}/{port}.dat{seq}"_s;
        s.doneDir = u"/srv/staging"_s;
        s.onFileClosed = u"archive-file --verify"_s;
        {
            QSettings store(storePath(), QSettings::IniFormat);
            s.save(store);
        }
        const QSettings store(storePath(), QSettings::IniFormat);
        QCOMPARE(store.value(u"capture/run"_s).toLongLong(), 4711);
        const UiSettings back = UiSettings::load(store);
        QCOMPARE(back.run, s.run);
        QCOMPARE(back.nameTemplate, s.nameTemplate);
        QCOMPARE(back.doneDir, s.doneDir);
        QCOMPARE(back.onFileClosed, s.onFileClosed);
    }

    void aRunNumberOutOfRangeIsUnset()
    {
        {
            QSettings store(storePath(), QSettings::IniFormat);
            store.setValue(u"capture/run"_s, u"-3"_s);
        }
        const QSettings store(storePath(), QSettings::IniFormat);
        QVERIFY(!UiSettings::load(store).run);
    }

    void savesUnderTheSameKeys()
    {
        UiSettings s;
        s.bindAddress = QHostAddress(QHostAddress::Any);
        s.ports = u"5000-5002"_s;
        s.outputDir = u"/tmp/out"_s;
        s.split = SplitMode::Port;
        s.tlsFiles = TlsFiles{u"c.pem"_s, u"k.pem"_s, u"ca.pem"_s};
        s.geometry = "g";
        s.windowState = "w";
        s.filesManifestView = true;
        s.views.insert(u"portsView/11"_s, "h");
        s.graphWindow = 1;
        s.logLevel = 2;
        s.graphIntervalMs = 5000;
        s.graphLogScale = true;
        {
            QSettings store(storePath(), QSettings::IniFormat);
            s.save(store);
        }
        const QSettings store(storePath(), QSettings::IniFormat);
        QCOMPARE(store.allKeys().size(), 15);
        QCOMPARE(store.value(u"window/views/portsView/11"_s).toByteArray(), QByteArray("h"));
        QCOMPARE(store.value(u"window/graphWindow"_s).toInt(), 1);
        QCOMPARE(store.value(u"window/logLevel"_s).toInt(), 2);
        QCOMPARE(store.value(u"window/graphIntervalMs"_s).toInt(), 5000);
        QCOMPARE(store.value(u"window/graphLogScale"_s).toBool(), true);
        const UiSettings window = UiSettings::load(store);
        QCOMPARE(window.views, s.views);
        QCOMPARE(window.graphWindow, s.graphWindow);
        QCOMPARE(window.logLevel, s.logLevel);
        QCOMPARE(window.graphIntervalMs, s.graphIntervalMs);
        QCOMPARE(window.graphLogScale, s.graphLogScale);
        QCOMPARE(store.value(u"capture/bind"_s).toString(), bindAddressText(*s.bindAddress));
        QCOMPARE(store.value(u"capture/ports"_s).toString(), u"5000-5002"_s);
        QCOMPARE(store.value(u"capture/output"_s).toString(), u"/tmp/out"_s);
        QCOMPARE(store.value(u"capture/split"_s).toString(), splitModeName(SplitMode::Port));
        QCOMPARE(store.value(u"capture/tlsCert"_s).toString(), u"c.pem"_s);
        QCOMPARE(store.value(u"capture/tlsKey"_s).toString(), u"k.pem"_s);
        QCOMPARE(store.value(u"capture/tlsCa"_s).toString(), u"ca.pem"_s);
        QCOMPARE(store.value(u"window/geometry"_s).toByteArray(), QByteArray("g"));
        QCOMPARE(store.value(u"window/state"_s).toByteArray(), QByteArray("w"));
        QCOMPARE(store.value(u"window/filesManifestView"_s).toBool(), true);

        const UiSettings back = UiSettings::load(store);
        QCOMPARE(back.bindAddress, s.bindAddress);
        QCOMPARE(back.ports, s.ports);
        QCOMPARE(back.outputDir, s.outputDir);
        QCOMPARE(back.split, s.split);
        QCOMPARE(back.tlsFiles->ca, u"ca.pem"_s);
        QCOMPARE(back.geometry, s.geometry);
        QCOMPARE(back.filesManifestView, true);
    }
};

QTEST_GUILESS_MAIN(TestUiSettings)
#include "tst_uisettings.moc"
