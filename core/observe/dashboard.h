#pragma once

#include "core/http/httprequest.h"
#include "core/http/httpresponse.h"

#include <optional>

namespace capture {

/// What the dashboard's page may load and do: its own script, style, images and connections
/// (/status, /events, /api/...), nothing inline, nothing from elsewhere, no framing.
inline constexpr char dashboardContentSecurityPolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The web dashboard on the --status port: GET or HEAD of `/` (the page), `/app.js`, `/app.css`
/// and `/favicon.svg`, from the Qt resources under `:/dashboard` (read once), each with the
/// Content-Security-Policy above, nosniff, no referrer and no framing; nullopt for any other
/// request.
std::optional<HttpResponse> serveDashboard(const HttpRequest &request);

} // namespace capture
