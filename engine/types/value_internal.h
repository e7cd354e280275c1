#pragma once

// Internal to engine/types/value*.cc: the text helpers that both parsing
// (value_parse.cc) and casts from VARCHAR (value_cast.cc) use.

#include <cstddef>
#include <optional>
#include <string_view>

#include "engine/types/decimal_util.h"

namespace weir::types::internal {

/// `s` without leading and trailing white space.
std::string_view TrimSpace(std::string_view s);

/// Skips a leading '+' or '-' at *i; true for '-'.
bool ReadSign(std::string_view t, size_t* i);

/// Optional sign and 1..38 significant digits; nullopt for bad text;
/// *too_long when there are more than 38 significant digits.
std::optional<int128> ParseInt128(std::string_view text, bool* too_long);

}  // namespace weir::types::internal
