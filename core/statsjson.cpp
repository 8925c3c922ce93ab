#include "statsjson.h"

using namespace Qt::Literals::StringLiterals;

namespace capture {

QJsonObject portStatsJson(const PortStats &p)
{
    return {{u"port"_s, p.port},
            {u"state"_s, portStateName(p.state)},
            {u"connections"_s, p.activeConnections},
            {u"connections_total"_s, qint64(p.totalConnections)},
            {u"bytes"_s, qint64(p.bytes)},
            {u"rate"_s, p.rate},
            {u"files"_s, p.files},
            {u"refused_not_allowed"_s, qint64(p.refusedNotAllowed)},
            {u"refused_over_limit"_s, qint64(p.refusedOverLimit)},
            {u"idle_closed"_s, qint64(p.idleClosed)},
            {u"tls_failed"_s, qint64(p.tlsFailed)},
            {u"connections_empty"_s, qint64(p.emptyConnections)}};
}

QJsonObject totalsJson(const StatsSnapshot &s)
{
    return {{u"bytes"_s, qint64(s.totalBytes)},
            {u"rate"_s, s.totalRate},
            {u"connections"_s, s.activeConnections},
            {u"connections_total"_s, qint64(s.totalConnections)},
            {u"files_closed"_s, qint64(s.filesClosed)},
            {u"write_errors"_s, qint64(s.writeErrors)},
            {u"files_lost"_s, qint64(s.filesLost)},
            {u"manifest_errors"_s, qint64(s.manifestErrors)},
            {u"manifest_lines_pending"_s, qint64(s.manifestLinesPending)},
            {u"refused_not_allowed"_s, qint64(s.refusedNotAllowed)},
            {u"refused_over_limit"_s, qint64(s.refusedOverLimit)},
            {u"idle_closed"_s, qint64(s.idleClosed)},
            {u"tls_failed"_s, qint64(s.tlsFailed)},
            {u"connections_empty"_s, qint64(s.emptyConnections)}};
}

} // namespace capture
