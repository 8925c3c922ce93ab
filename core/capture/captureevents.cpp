#include "core/capture/captureevents.h"

#include <QMetaMethod>

namespace capture {

void CaptureEvents::forwardTo(CaptureEvents *to) const
{
    const QMetaObject &meta = staticMetaObject;
    for (int i = meta.methodOffset(); i < meta.methodCount(); ++i) {
        const QMetaMethod signal = meta.method(i);
        if (signal.methodType() == QMetaMethod::Signal)
            connect(this, signal, to, signal);
    }
}

} // namespace capture
