#include "engine/types/decimal_util.h"

#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/base/check.h"

namespace weir::types::internal {
namespace {

constexpr int128 kInt128Max = static_cast<int128>(~uint128{0} >> 1);

// An unsigned 256-bit integer, just enough for exact DECIMAL * and /.
struct U256 {
  uint128 hi = 0;
  uint128 lo = 0;
};

U256 Mul128(uint128 a, uint128 b) {
  uint128 a0 = static_cast<uint64_t>(a), a1 = a >> 64;
  uint128 b0 = static_cast<uint64_t>(b), b1 = b >> 64;
  uint128 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  uint128 mid =
      (p00 >> 64) + static_cast<uint64_t>(p01) + static_cast<uint64_t>(p10);
  U256 r;
  r.lo = (mid << 64) | static_cast<uint64_t>(p00);
  r.hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
  return r;
}

std::optional<U256> MulSmall(U256 x, uint128 m) {
  U256 lo = Mul128(x.lo, m);
  U256 hi = Mul128(x.hi, m);
  if (hi.hi != 0) return std::nullopt;
  uint128 h = lo.hi + hi.lo;
  if (h < lo.hi) return std::nullopt;
  return U256{h, lo.lo};
}

bool Bit(const U256& x, int i) {
  return i >= 128 ? ((x.hi >> (i - 128)) & 1) != 0 : ((x.lo >> i) & 1) != 0;
}

void SetBit(U256* x, int i) {
  if (i >= 128) {
    x->hi |= uint128{1} << (i - 128);
  } else {
    x->lo |= uint128{1} << i;
  }
}

// Long division, one bit at a time when n needs more than 128 bits.
U256 DivMod(const U256& n, uint128 d, uint128* rem) {
  WEIR_CHECK(d != 0);
  if (n.hi == 0) {  // the common case: one native 128-bit division
    *rem = n.lo % d;
    return U256{0, n.lo / d};
  }
  U256 q;
  uint128 r = 0;
  for (int i = 255; i >= 0; --i) {
    bool carry = (r >> 127) != 0;
    r = (r << 1) | (Bit(n, i) ? 1 : 0);
    if (carry || r >= d) {
      r -= d;
      SetBit(&q, i);
    }
  }
  *rem = r;
  return q;
}

U256 AddOne(U256 x) {
  if (++x.lo == 0) ++x.hi;
  return x;
}

// n / d rounded half away from zero (on magnitudes).
U256 DivRound(const U256& n, uint128 d) {
  uint128 r;
  U256 q = DivMod(n, d, &r);
  if (r >= d - r) q = AddOne(q);
  return q;
}

// n / 10^k rounded half away from zero, k in 0..76.
U256 DivPow10Round(const U256& n, int k) {
  if (k == 0) return n;
  if (k <= 38) return DivRound(n, Pow10(k));
  // Truncating by 10^(k-38) first does not change the rounding decision,
  // which depends only on the remainder of the last division.
  uint128 ignored;
  U256 t = DivMod(n, Pow10(k - 38), &ignored);
  return DivRound(t, Pow10(38));
}

std::optional<U256> MulPow10(U256 n, int k) {
  while (k > 0) {
    int step = k > 38 ? 38 : k;
    auto r = MulSmall(n, Pow10(step));
    if (!r) return std::nullopt;
    n = *r;
    k -= step;
  }
  return n;
}

uint128 Magnitude(int128 v) {
  return v < 0 ? -static_cast<uint128>(v) : static_cast<uint128>(v);
}

bool Less(const U256& a, const U256& b) {
  return a.hi != b.hi ? a.hi < b.hi : a.lo < b.lo;
}

U256 Add(const U256& a, const U256& b) {
  U256 r{a.hi + b.hi, a.lo + b.lo};
  if (r.lo < a.lo) ++r.hi;
  return r;
}

// a - b for a >= b.
U256 Sub(const U256& a, const U256& b) {
  U256 r{a.hi - b.hi, a.lo - b.lo};
  if (a.lo < b.lo) --r.hi;
  return r;
}

U256 ShiftLeft1(const U256& a) {
  return U256{(a.hi << 1) | (a.lo >> 127), a.lo << 1};
}

// a / b with the remainder in *rem (b > 0), one bit at a time (the rare
// case of operands that do not fit 128 bits at a common scale).
U256 DivMod256(const U256& a, const U256& b, U256* rem) {
  U256 q, r;
  for (int i = 255; i >= 0; --i) {
    r = ShiftLeft1(r);
    if (Bit(a, i)) r.lo |= 1;
    if (!Less(r, b)) {
      r = Sub(r, b);
      SetBit(&q, i);
    }
  }
  *rem = r;
  return q;
}

U256 Mod(const U256& a, const U256& b) {
  U256 r;
  DivMod256(a, b, &r);
  return r;
}

// |v| * 10^k as a 256-bit magnitude (|v| < 2^127 and k <= 38 always fit).
U256 ScaledMagnitude(int128 v, int k) {
  std::optional<U256> r = MulPow10(U256{0, Magnitude(v)}, k);
  WEIR_CHECK(r.has_value());
  return *r;
}

std::optional<int128> ToSigned(const U256& m, bool negative) {
  if (m.hi != 0 || m.lo > static_cast<uint128>(kInt128Max)) return std::nullopt;
  int128 v = static_cast<int128>(m.lo);
  return negative ? -v : v;
}

}  // namespace

uint128 Pow10(int n) {
  WEIR_CHECK(n >= 0 && n <= 38);
  uint128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

bool FitsPrecision(int128 v, int precision) {
  return Magnitude(v) < Pow10(precision);
}

int DigitCount(int128 v) {
  uint128 m = Magnitude(v);
  int digits = 1;
  while (m >= 10) {
    m /= 10;
    ++digits;
  }
  return digits;
}

std::optional<int128> Rescale(int128 v, int from, int to) {
  if (to == from || v == 0) return v;
  U256 m{0, Magnitude(v)};
  if (to > from) {
    auto r = MulPow10(m, to - from);
    if (!r) return std::nullopt;
    return ToSigned(*r, v < 0);
  }
  int k = from - to;
  if (k > 76) return int128{0};
  return ToSigned(DivPow10Round(m, k), v < 0);
}

std::optional<int128> MultiplyDecimal(int128 a, int sa, int128 b, int sb,
                                      int rs) {
  U256 p = Mul128(Magnitude(a), Magnitude(b));
  bool negative = (a < 0) != (b < 0);
  int s = sa + sb;
  if (rs >= s) {
    auto r = MulPow10(p, rs - s);
    if (!r) return std::nullopt;
    return ToSigned(*r, negative);
  }
  return ToSigned(DivPow10Round(p, s - rs), negative);
}

namespace {

// m (a magnitude at scale `from`) at scale `to`, rounded half away from
// zero, with the sign `negative`; nullopt when it does not fit int128.
std::optional<int128> Finish(U256 m, int from, int to, bool negative) {
  if (to < from) {
    m = DivPow10Round(m, from - to);
  } else if (to > from) {
    std::optional<U256> r = MulPow10(m, to - from);
    if (!r) return std::nullopt;
    m = *r;
  }
  return ToSigned(m, negative);
}

}  // namespace

std::optional<int128> AddDecimal(int128 a, int sa, int128 b, int sb, int rs,
                                 bool subtract) {
  const int s = sa > sb ? sa : sb;
  const U256 ma = ScaledMagnitude(a, s - sa), mb = ScaledMagnitude(b, s - sb);
  const bool na = a < 0, nb = (b < 0) != subtract;
  if (na == nb) return Finish(Add(ma, mb), s, rs, na);
  if (Less(ma, mb)) return Finish(Sub(mb, ma), s, rs, nb);
  return Finish(Sub(ma, mb), s, rs, na);
}

std::optional<int128> ModDecimal(int128 a, int sa, int128 b, int sb, int rs) {
  WEIR_CHECK(b != 0);
  const int s = sa > sb ? sa : sb;
  const U256 ma = ScaledMagnitude(a, s - sa), mb = ScaledMagnitude(b, s - sb);
  return Finish(Less(ma, mb) ? ma : Mod(ma, mb), s, rs, a < 0);
}

std::optional<int128> DivideDecimal(int128 a, int sa, int128 b, int sb,
                                    int rs) {
  WEIR_CHECK(b != 0);
  bool negative = (a < 0) != (b < 0);
  const int e = rs - sa + sb;  // the quotient is a * 10^e / b
  const U256 n{0, Magnitude(a)};
  if (e < 0) {
    // Divide once by b * 10^-e: rounding a to 10^-e first would round
    // twice (2.96 / 2 at scale 0 would be 3 / 2 = 2, not 1). Past 10^38
    // the quotient is below 0.5 (|a| < 2^127).
    if (-e > 38) return int128{0};
    const U256 d = Mul128(Magnitude(b), Pow10(-e));
    U256 r;
    U256 q = DivMod256(n, d, &r);
    if (!Less(r, Sub(d, r))) q = AddOne(q);
    return ToSigned(q, negative);
  }
  auto scaled = MulPow10(n, e);
  if (!scaled) return std::nullopt;
  return ToSigned(DivRound(*scaled, Magnitude(b)), negative);
}

int CompareDecimal(int128 a, int sa, int128 b, int sb) {
  if ((a < 0) != (b < 0)) return a < 0 ? -1 : 1;
  int s = sa > sb ? sa : sb;
  auto ma = MulPow10(U256{0, Magnitude(a)}, s - sa);
  auto mb = MulPow10(U256{0, Magnitude(b)}, s - sb);
  int mag;
  if (!ma || !mb) {
    mag = !ma ? 1 : -1;  // cannot both overflow: the other has scale s
  } else if (ma->hi != mb->hi) {
    mag = ma->hi < mb->hi ? -1 : 1;
  } else if (ma->lo != mb->lo) {
    mag = ma->lo < mb->lo ? -1 : 1;
  } else {
    mag = 0;
  }
  return a < 0 ? -mag : mag;
}

std::string Int128ToString(int128 v) {
  uint128 m = Magnitude(v);
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(m % 10)));
    m /= 10;
  } while (m != 0);
  if (v < 0) digits.push_back('-');
  return std::string(digits.rbegin(), digits.rend());
}

double DecimalToDouble(int128 unscaled, int scale) {
  std::string text = Int128ToString(unscaled);
  text += "e-" + std::to_string(scale);
  return std::strtod(text.c_str(), nullptr);
}

}  // namespace weir::types::internal
