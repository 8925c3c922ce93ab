// Fuzz target: the --ports / config "ports" parser.

#include "fuzzcheck.h"

#include "core/net/portspec.h"

#include <QSet>

using namespace capture;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString spec = fuzz::text(data, size);
    const PortSpecResult result = parsePortSpec(spec);

    // One bare port is the same as a list of that one port.
    if (const auto single = parsePort(spec))
        FUZZ_CHECK(result.ok() && result.ports == QList<quint16>{*single});

    if (!result.ok()) {
        FUZZ_CHECK(result.ports.isEmpty());
        return 0;
    }
    FUZZ_CHECK(!result.ports.isEmpty());
    QSet<quint16> seen;
    for (const quint16 port : result.ports) {
        FUZZ_CHECK(port >= 1); // quint16: never above 65535
        FUZZ_CHECK(!seen.contains(port));
        seen.insert(port);
    }
    // The compact spelling reads back as the same ports in the same order.
    const PortSpecResult again = parsePortSpec(formatPortSpec(result.ports));
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again.ports == result.ports);
    return 0;
}
