#include "core/capture/capturesettings.h"

using namespace Qt::Literals::StringLiterals;

namespace capture {

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
