#pragma once

// MySQL's binary DECIMAL(precision, scale) (row images and binary JSON):
// groups of 9 decimal digits in 4 big-endian bytes, fewer bytes for the
// partial leading integer group and trailing fraction group, the first bit
// flipped, every bit inverted for a negative number (strings/decimal.c).

#include <cstdint>
#include <span>
#include <string>

#include "absl/status/statusor.h"

namespace weir::connectors::mysql {

/// Bytes a DECIMAL(precision, scale) takes.
int DecimalBinarySize(int precision, int scale);

/// The exact text, as MySQL prints it: "-123.4500" (no leading zeros, one
/// "0" before the point, `scale` fraction digits, no "-" for zero).
/// InvalidArgument on a size that does not match or a group out of range.
absl::StatusOr<std::string> DecimalBinaryToText(std::span<const uint8_t> bytes,
                                                int precision, int scale);

}  // namespace weir::connectors::mysql
