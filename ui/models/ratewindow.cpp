#include "ui/models/ratewindow.h"

namespace capture {

double RateWindow::add(qint64 key, qint64 timeMs, quint64 count, double fallback)
{
    Series &series = m_samples[key];
    QList<Sample> &samples = series.samples;
    if (!samples.isEmpty() && (timeMs < samples.last().timeMs || count < samples.last().count))
        samples.clear(); // a new run or a clock step: what came before says nothing about now
    if (!samples.isEmpty() && timeMs == samples.last().timeMs)
        samples.last().count = count;
    else
        samples.append({timeMs, count});
    // The base is the newest sample at or before the window's start (or the oldest there is);
    // older ones are no longer needed.
    const qint64 start = timeMs - m_windowMs;
    qsizetype base = 0;
    while (base + 1 < samples.size() && samples[base + 1].timeMs <= start)
        ++base;
    samples.remove(0, base);
    if (samples.size() < 2) {
        series.rate = fallback;
    } else {
        const Sample &first = samples.first();
        series.rate = double(count - first.count) * 1000.0 / double(timeMs - first.timeMs);
    }
    return series.rate;
}

double RateWindow::rate(qint64 key) const
{
    const auto it = m_samples.constFind(key);
    return it == m_samples.constEnd() ? 0 : it->rate;
}

} // namespace capture
