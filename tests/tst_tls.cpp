// TLS end to end, with real clients: socat OPENSSL and openssl s_client against the real
// binary, certificates made by the test with openssl (a CA, the server, a client, a client of
// another CA, an expired client). Only 127.0.0.1, ports found free at run time.
#include "receiverprocess.h"
#include "testsupport.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>
#include <QTemporaryDir>

namespace {

/// Runs a command in `dir`; true when it exits 0. Output goes to `output` when given.
bool run(const QString &dir, const QString &program, const QStringList &args,
         QByteArray *output = nullptr, const QByteArray &input = {}, int timeoutMs = 60000)
{
    QProcess p;
    p.setWorkingDirectory(dir);
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    if (!p.waitForStarted(10000))
        return false;
    if (!input.isEmpty())
        p.write(input);
    p.closeWriteChannel();
    const bool ended = finishOrKill(p, timeoutMs);
    if (output)
        *output = p.readAll();
    return ended && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

} // namespace

class TestTls : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    QString path(const QString &name) const { return m_dir.filePath(name); }

    bool openssl(const QStringList &args)
    {
        QByteArray out;
        const bool ok = run(m_dir.path(), u"openssl"_s, args, &out);
        if (!ok)
            qWarning("openssl %s: %s", qPrintable(args.join(u' ')), out.constData());
        return ok;
    }

    bool makeSigned(const QString &name, const QString &cn, const QString &ca)
    {
        return openssl({u"req"_s, u"-newkey"_s, u"rsa:2048"_s, u"-nodes"_s, u"-keyout"_s,
                        name + u".key"_s, u"-out"_s, name + u".csr"_s, u"-subj"_s,
                        u"/CN="_s + cn}) &&
               openssl({u"x509"_s, u"-req"_s, u"-in"_s, name + u".csr"_s, u"-CA"_s, ca + u".pem"_s,
                        u"-CAkey"_s, ca + u".key"_s, u"-CAcreateserial"_s, u"-out"_s,
                        name + u".pem"_s, u"-days"_s, u"2"_s});
    }

    QStringList tlsArgs(quint16 port, const QString &out) const
    {
        return {u"--nogui"_s,
                u"-b"_s,
                u"127.0.0.1"_s,
                u"-p"_s,
                QString::number(port),
                u"-o"_s,
                out,
                u"--split"_s,
                u"connection"_s,
                u"--tls-cert"_s,
                path(u"server.pem"_s),
                u"--tls-key"_s,
                path(u"server.key"_s),
                u"--tls-ca"_s,
                path(u"ca.pem"_s),
                u"--stats-interval"_s,
                u"0"_s};
    }

    /// socat as a TLS client sending `data`; with `client` its certificate.
    bool socatSend(quint16 port, const QString &dataFile, const QString &client,
                   QByteArray *output = nullptr)
    {
        QString address =
            u"OPENSSL:127.0.0.1:%1,cafile=%2,verify=1,commonname=localhost"_s.arg(port).arg(
                path(u"ca.pem"_s));
        if (!client.isEmpty())
            address += u",cert=%1.pem,key=%1.key"_s.arg(path(client));
        return run(m_dir.path(), u"socat"_s, {u"-u"_s, u"FILE:"_s + dataFile, address}, output);
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (QStandardPaths::findExecutable(u"openssl"_s).isEmpty() ||
            QStandardPaths::findExecutable(u"socat"_s).isEmpty())
            QSKIP("openssl and socat are needed (installer/install-deps.sh --test)");
        QVERIFY(m_dir.isValid());
        for (const QString &ca : {u"ca"_s, u"otherca"_s})
            QVERIFY(openssl({u"req"_s, u"-x509"_s, u"-newkey"_s, u"rsa:2048"_s, u"-nodes"_s,
                             u"-keyout"_s, ca + u".key"_s, u"-out"_s, ca + u".pem"_s, u"-days"_s,
                             u"2"_s, u"-subj"_s, u"/CN=Test "_s + ca}));
        QVERIFY(makeSigned(u"server"_s, u"localhost"_s, u"ca"_s));
        QVERIFY(makeSigned(u"client"_s, u"client-1"_s, u"ca"_s));
        QVERIFY(makeSigned(u"stranger"_s, u"stranger"_s, u"otherca"_s));
        // Expired: `openssl ca` can set the dates (x509 -req cannot, in OpenSSL 3.0).
        QFile cnf(path(u"ca.cnf"_s));
        QVERIFY(cnf.open(QIODevice::WriteOnly));
        cnf.write("[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\n"
                  "default_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n");
        cnf.close();
        QVERIFY(writeDataFile(path(u"index.txt"_s), {}));
        QVERIFY(writeDataFile(path(u"serial"_s), "1000\n"));
        QVERIFY(
            openssl({u"req"_s, u"-newkey"_s, u"rsa:2048"_s, u"-nodes"_s, u"-keyout"_s,
                     u"expired.key"_s, u"-out"_s, u"expired.csr"_s, u"-subj"_s, u"/CN=expired"_s}));
        QVERIFY(openssl({u"ca"_s, u"-batch"_s, u"-config"_s, u"ca.cnf"_s, u"-cert"_s, u"ca.pem"_s,
                         u"-keyfile"_s, u"ca.key"_s, u"-in"_s, u"expired.csr"_s, u"-out"_s,
                         u"expired.pem"_s, u"-startdate"_s, u"20200101000000Z"_s, u"-enddate"_s,
                         u"20200102000000Z"_s, u"-notext"_s}));
        QVERIFY(writeDataFile(path(u"data.bin"_s), TestSupport::patternData(5, 700'000)));
    }

    void badFilesAreUsageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("missing cert")
            << QStringList{u"--tls-cert"_s, u"nope.pem"_s, u"--tls-key"_s, u"server.key"_s}
            << u"--tls-cert 'nope.pem'"_s;
        QTest::newRow("cert without key")
            << QStringList{u"--tls-cert"_s, u"server.pem"_s} << u"both --tls-cert and --tls-key"_s;
        QTest::newRow("key of another")
            << QStringList{u"--tls-cert"_s, u"server.pem"_s, u"--tls-key"_s, u"client.key"_s}
            << u"does not belong to the certificate"_s;
        QTest::newRow("key is no key")
            << QStringList{u"--tls-cert"_s, u"server.pem"_s, u"--tls-key"_s, u"server.pem"_s}
            << u"no PEM private key"_s;
        QTest::newRow("CA without certificates")
            << QStringList{u"--tls-cert"_s, u"server.pem"_s, u"--tls-key"_s,
                           u"server.key"_s, u"--tls-ca"_s,   u"ca.key"_s}
            << u"--tls-ca 'ca.key': no PEM certificate"_s;
        QTest::newRow("CA is a directory")
            << QStringList{u"--tls-cert"_s, u"server.pem"_s, u"--tls-key"_s,
                           u"server.key"_s, u"--tls-ca"_s,   u"."_s}
            << u"not a regular file"_s;
        QTest::newRow("handshake timeout")
            << QStringList{u"--handshake-timeout"_s, u"0"_s} << u"--handshake-timeout '0'"_s;
    }
    void badFilesAreUsageErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        Receiver r(m_dir.path(),
                   QStringList{u"--nogui"_s, u"-p"_s, QString::number(TestSupport::freePort()),
                               u"-o"_s, u"never"_s} +
                       args);
        QVERIFY(r.start());
        QVERIFY(r.waitForExit());
        QCOMPARE(r.exitCode(), 2);
        QVERIFY2(r.hasLine(message), r.describe());
        QVERIFY(!QFileInfo::exists(path(u"never"_s)));
    }

    // A client with a certificate of our CA: its bytes, decrypted, exactly; the verified
    // subject in the log and the manifest. Then everyone who must not get in does not, and
    // leaves no file.
    void clientsThatMayAndMayNot()
    {
        const quint16 port = TestSupport::freePort();
        quint16 statusPort = TestSupport::freePort();
        while (statusPort == port)
            statusPort = TestSupport::freePort();
        const QString out = path(u"out"_s);
        Receiver r(m_dir.path(),
                   tlsArgs(port, out) + QStringList{u"--handshake-timeout"_s, u"1"_s, u"--status"_s,
                                                    QString::number(statusPort)});
        QVERIFY2(r.startAndWaitUntilRecording(), r.describe());

        QByteArray output;
        QVERIFY2(socatSend(port, path(u"data.bin"_s), u"client"_s, &output), output.constData());
        QVERIFY2(r.waitForLine(u"(TLS client CN=client-1) opened"_s), r.describe());
        QVERIFY2(r.waitForLine(QRegularExpression(u"closed \\(peer closed\\): 700000 bytes"_s)),
                 r.describe());

        // openssl s_client with the certificate, sending from its standard input.
        QVERIFY2(run(m_dir.path(), u"openssl"_s,
                     {u"s_client"_s, u"-connect"_s, u"127.0.0.1:%1"_s.arg(port), u"-CAfile"_s,
                      u"ca.pem"_s, u"-cert"_s, u"client.pem"_s, u"-key"_s, u"client.key"_s,
                      u"-quiet"_s, u"-no_ign_eof"_s},
                     &output, "hello over s_client\n"),
                 output.constData());
        QVERIFY2(r.waitForLine(QRegularExpression(u"closed \\(peer closed\\): 20 bytes"_s)),
                 r.describe());

        int refused = 0;
        // No client certificate; a certificate of another CA; an expired one.
        for (const QString &client : {QString(), u"stranger"_s, u"expired"_s}) {
            socatSend(port, path(u"data.bin"_s), client);
            ++refused;
            QVERIFY2(r.waitForLine(QRegularExpression(u"TLS connection from .* closed, no file "
                                                      "made|more connection"_s)),
                     r.describe());
        }
        // Plain TCP, and garbage, to a TLS port.
        QCOMPARE(TestSupport::sendAll(port, "GET / HTTP/1.0\r\n\r\n"), std::nullopt);
        ++refused;
        // Silent: the handshake never starts; closed after --handshake-timeout.
        QTcpSocket silent;
        silent.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(silent.waitForConnected(10000));
        ++refused;
        QVERIFY(silent.waitForDisconnected(15000));

        // All refusals counted (the log shows at most one line a second per port).
        QByteArray status;
        QTRY_VERIFY_WITH_TIMEOUT(
            run(m_dir.path(), u"curl"_s,
                {u"-sS"_s, u"--max-time"_s, u"5"_s, u"--noproxy"_s, u"*"_s,
                 u"http://127.0.0.1:%1/status"_s.arg(statusPort)},
                &status) &&
                QJsonDocument::fromJson(status).object()[u"totals"_s][u"tls_failed"_s].toInt() ==
                    refused,
            20000);

        QVERIFY2(r.stopWithSigterm(), r.describe());
        const QStringList files = QDir(out).entryList({u"stream_*"_s}, QDir::Files, QDir::Name);
        QCOMPARE(files.size(), 2); // socat's and s_client's; nobody else's
        QSet<QByteArray> digests;
        for (const QString &f : files)
            digests.insert(TestSupport::fileSha256(QDir(out).filePath(f)));
        QVERIFY(digests.contains(TestSupport::sha256(TestSupport::readFile(path(u"data.bin"_s)))));
        QVERIFY(digests.contains(TestSupport::sha256("hello over s_client\n")));
        const QByteArray manifest = TestSupport::readFile(QDir(out).filePath(u"manifest.jsonl"_s));
        QCOMPARE(manifest.count("\"tls_subject\":\"CN=client-1\""), 2);
    }
};

QTEST_MAIN(TestTls)
#include "tst_tls.moc"
