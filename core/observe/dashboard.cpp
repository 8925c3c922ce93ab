#include "core/observe/dashboard.h"

#include <QFile>
#include <QString>

#include <array>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

struct DashboardFile
{
    QByteArrayView path;
    QString resource;
    QByteArray contentType;
    QByteArray body = {};
};

// The files, read from the resources at the first request; they never change in a process.
const std::array<DashboardFile, 4> &dashboardFiles()
{
    static const std::array<DashboardFile, 4> files = [] {
        std::array<DashboardFile, 4> out{{
            {"/", u":/dashboard/index.html"_s, "text/html; charset=utf-8"},
            {"/app.js", u":/dashboard/app.js"_s, "text/javascript; charset=utf-8"},
            {"/app.css", u":/dashboard/app.css"_s, "text/css; charset=utf-8"},
            {"/favicon.svg", u":/dashboard/capture-receiver.svg"_s, "image/svg+xml"},
        }};
        for (DashboardFile &file : out) {
            QFile resource(file.resource);
            if (resource.open(QIODevice::ReadOnly))
                file.body = resource.readAll();
            else
                qWarning("dashboard: resource %s is missing", qPrintable(file.resource));
        }
        return out;
    }();
    return files;
}

} // namespace

std::optional<HttpResponse> serveDashboard(const HttpRequest &request)
{
    if (request.method != "GET" && request.method != "HEAD")
        return std::nullopt;
    for (const DashboardFile &file : dashboardFiles()) {
        if (request.path != file.path)
            continue;
        if (file.body.isEmpty())
            return httpErrorResponse(500); // a build without the resources
        HttpResponse response{200, file.contentType, file.body};
        response.headers = {{"Content-Security-Policy", dashboardContentSecurityPolicy},
                            {"X-Content-Type-Options", "nosniff"},
                            {"Referrer-Policy", "no-referrer"},
                            {"X-Frame-Options", "DENY"}};
        return response;
    }
    return std::nullopt;
}

} // namespace capture
