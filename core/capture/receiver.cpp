#include "core/capture/receiver.h"

using namespace Qt::Literals::StringLiterals;

namespace capture {

QString runStateName(RunState state)
{
    switch (state) {
    case RunState::Idle:
        return u"stopped"_s;
    case RunState::Starting:
        return u"starting"_s;
    case RunState::Running:
        return u"running"_s;
    case RunState::Stopping:
        return u"stopping"_s;
    case RunState::Failed:
        return u"failed"_s;
    }
    return {};
}

} // namespace capture
