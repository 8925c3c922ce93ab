#pragma once

#include <cstddef>

/// XXH3 128-bit compiled for AVX2 (core/util/xxh128avx2.cpp): the same hash as libxxhash's,
/// twice as fast where the CPU has AVX2. An opaque state; Xxh128 picks this or the library.
namespace capture::xxh128simd {

/// The CPU has AVX2 (the functions below may be called).
bool available();
void *create(); ///< a reset state, or null when out of memory
void destroy(void *state);
void update(void *state, const void *data, std::size_t size);
/// The canonical (big-endian) 16 bytes `xxhsum -H2` prints in hex; resets the state.
void finish(void *state, unsigned char digest[16]);

} // namespace capture::xxh128simd
