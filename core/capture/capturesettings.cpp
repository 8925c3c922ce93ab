#include "core/capture/capturesettings.h"

using namespace Qt::Literals::StringLiterals;

namespace capture {

QString splitModeName(SplitMode mode)
{
    return mode == SplitMode::Connection ? u"connection"_s : u"port"_s;
}

std::optional<SplitMode> splitModeFromName(const QString &name)
{
    if (name == u"port")
        return SplitMode::Port;
    if (name == u"connection")
        return SplitMode::Connection;
    return std::nullopt;
}

QString hashAlgorithmName(HashAlgorithm hash)
{
    return hash == HashAlgorithm::Sha256 ? u"sha256"_s : u"none"_s;
}

std::optional<HashAlgorithm> hashAlgorithmFromName(const QString &name)
{
    if (name == u"sha256")
        return HashAlgorithm::Sha256;
    if (name == u"none")
        return HashAlgorithm::None;
    return std::nullopt;
}

} // namespace capture
