#pragma once

// Small, fast, deterministic pseudo-random numbers for the generators
// (internal to connectors/generators). Every generated value is a pure
// function of (seed, stream, index), so a generator can be split across
// tasks and each share still produces exactly the rows the single generator
// would have produced.

#include <cstdint>
#include <string>

namespace weir::connectors::generators {

inline constexpr uint64_t kGoldenGamma = 0x9E3779B97F4A7C15ULL;

/// The splitmix64 finalizer: a bijective 64-bit mix with good avalanche.
inline uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// A key for item `index` of the stream `stream_key` (a different key for
/// each (stream, index) pair, well mixed).
inline uint64_t ItemKey(uint64_t stream_key, uint64_t index) {
  return Mix64(stream_key + (index + 1) * kGoldenGamma);
}

/// splitmix64: 64 bits of state, one add and one mix per draw. A value type;
/// not thread-safe (each thread uses its own).
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t state) : state_(state) {}

  uint64_t Next() {
    state_ += kGoldenGamma;
    return Mix64(state_);
  }

  /// Uniform in [0, n); n > 0. Lemire's multiply-shift with rejection, so
  /// exactly uniform.
  uint64_t Below(uint64_t n) {
    unsigned __int128 m = static_cast<unsigned __int128>(Next()) * n;
    uint64_t low = static_cast<uint64_t>(m);
    if (low < n) {
      const uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<unsigned __int128>(Next()) * n;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }

  /// Uniform in [0, 1) with 53 random bits.
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

/// Appends `n` random lowercase letters (8 letters per 64-bit draw; the
/// byte-to-letter map is uniform up to 1/256).
inline void AppendLetters(std::string* out, size_t n, SplitMix64* rng) {
  const size_t start = out->size();
  out->resize(start + n);
  char* p = out->data() + start;
  while (n > 0) {
    uint64_t bits = rng->Next();
    const size_t k = n < 8 ? n : 8;
    for (size_t i = 0; i < k; ++i) {
      *p++ = static_cast<char>('a' + (((bits & 0xFF) * 26) >> 8));
      bits >>= 8;
    }
    n -= k;
  }
}

/// Nexmark's nextString: `n` characters, each `special` with probability
/// about 1/13 and otherwise a random lowercase letter; a `special` of ' ' is
/// trimmed from both ends, as the reference's String.trim() does.
inline void AppendNexmarkString(std::string* out, size_t n, char special,
                                SplitMix64* rng) {
  const size_t start = out->size();
  out->resize(start + n);
  char* p = out->data() + start;
  while (n > 0) {
    uint64_t bits = rng->Next();
    const size_t k = n < 8 ? n : 8;
    for (size_t i = 0; i < k; ++i) {
      const uint64_t b = bits & 0xFF;
      // 20/256 ~ 1/12.8.
      *p++ =
          b < 20 ? special : static_cast<char>('a' + (((b - 20) * 26) / 236));
      bits >>= 8;
    }
    n -= k;
  }
  if (special == ' ') {
    size_t end = out->size();
    while (end > start && (*out)[end - 1] == ' ') --end;
    out->resize(end);
    size_t first = start;
    while (first < out->size() && (*out)[first] == ' ') ++first;
    out->erase(start, first - start);
  }
}

}  // namespace weir::connectors::generators
