#include "core/capture/capturesettings.h"

using namespace Qt::Literals::StringLiterals;

namespace capture {} // namespace capture
