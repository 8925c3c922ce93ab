// libxxhash's own XXH3 code (xxhash.h, XXH_INLINE_ALL), compiled here for AVX2: Debian's
// shared library is built for the x86-64 baseline (SSE2), at about half the speed on the same
// core. This translation unit alone is compiled with -mavx2; Xxh128 uses it only when the CPU
// has AVX2 (xxh128simd.h). The hash is the same bytes for bytes (tst_digest: xxhsum -H2).
#include "core/util/xxh128simd.h"

#if defined(__x86_64__)
#define XXH_INLINE_ALL
#define XXH_VECTOR XXH_AVX2
#include <xxhash.h>

#include <cstring>

namespace capture::xxh128simd {

bool available()
{
    return __builtin_cpu_supports("avx2");
}

void *create()
{
    XXH3_state_t *state = XXH3_createState();
    if (state)
        XXH3_128bits_reset(state);
    return state;
}

void destroy(void *state)
{
    XXH3_freeState(static_cast<XXH3_state_t *>(state));
}

void update(void *state, const void *data, std::size_t size)
{
    XXH3_128bits_update(static_cast<XXH3_state_t *>(state), data, size);
}

void finish(void *state, unsigned char digest[16])
{
    auto *s = static_cast<XXH3_state_t *>(state);
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(s));
    std::memcpy(digest, canonical.digest, 16);
    XXH3_128bits_reset(s);
}

} // namespace capture::xxh128simd
#else // no AVX2 build here: the library does all the hashing

namespace capture::xxh128simd {
bool available()
{
    return false;
}
void *create()
{
    return nullptr;
}
void destroy(void *) {}
void update(void *, const void *, std::size_t) {}
void finish(void *, unsigned char *) {}
} // namespace capture::xxh128simd
#endif
