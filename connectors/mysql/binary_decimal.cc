#include "connectors/mysql/binary_decimal.h"

#include <vector>

#include "connectors/mysql/byte_reader.h"
#include "fmt/format.h"

namespace weir::connectors::mysql {
namespace {
constexpr int kDig2Bytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
}  // namespace

int DecimalBinarySize(int precision, int scale) {
  int intg = precision - scale;
  return intg / 9 * 4 + kDig2Bytes[intg % 9] + scale / 9 * 4 +
         kDig2Bytes[scale % 9];
}

absl::StatusOr<std::string> DecimalBinaryToText(std::span<const uint8_t> b,
                                                int precision, int scale) {
  if (precision < 1 || precision > 65 || scale < 0 || scale > 30 ||
      scale > precision ||
      static_cast<int>(b.size()) != DecimalBinarySize(precision, scale)) {
    return absl::InvalidArgumentError(fmt::format(
        "malformed DECIMAL({}, {}) of {} bytes", precision, scale, b.size()));
  }
  std::vector<uint8_t> bytes(b.begin(), b.end());
  bool negative = (bytes[0] & 0x80) == 0;
  bytes[0] ^= 0x80;
  if (negative) {
    for (uint8_t& x : bytes) x = static_cast<uint8_t>(~x);
  }
  ByteReader r(bytes);
  std::string int_digits, frac_digits;
  bool ok = true;
  auto group = [&](int digits, std::string* out) {
    uint64_t v = r.Be(static_cast<size_t>(kDig2Bytes[digits]));
    uint64_t limit = 1;
    for (int k = 0; k < digits; ++k) limit *= 10;
    ok = ok && v < limit;
    *out += fmt::format("{:0{}}", v, digits);
  };
  int intg = precision - scale;
  if (intg % 9) group(intg % 9, &int_digits);
  for (int k = 0; k < intg / 9; ++k) group(9, &int_digits);
  for (int k = 0; k < scale / 9; ++k) group(9, &frac_digits);
  if (scale % 9) group(scale % 9, &frac_digits);
  if (!ok || r.failed()) {
    return absl::InvalidArgumentError(fmt::format(
        "malformed DECIMAL({}, {}): a digit group is out of range", precision,
        scale));
  }
  size_t nz = int_digits.find_first_not_of('0');
  std::string text = nz == std::string::npos ? "0" : int_digits.substr(nz);
  bool zero = text == "0" &&
              frac_digits.find_first_not_of('0') == std::string::npos;
  if (negative && !zero) text.insert(0, "-");
  if (scale > 0) text += "." + frac_digits;
  return text;
}

}  // namespace weir::connectors::mysql
