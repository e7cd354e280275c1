#pragma once

// Small string helpers shared by every module (ASCII only: SQL keywords and
// identifiers are compared case-insensitively in ASCII).

#include <string>
#include <string_view>
#include <vector>

namespace weir {

std::string AsciiLower(std::string_view s);
std::string AsciiUpper(std::string_view s);
/// True when `a` and `b` are equal ignoring ASCII case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
/// `parts` joined with `sep`.
std::string JoinStrings(const std::vector<std::string>& parts,
                        std::string_view sep);

}  // namespace weir
