#include "engine/base/duration.h"

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace weir {

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view v) {
  size_t i = 0;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) ++i;
  // Up to 9 digits: any of them fits in milliseconds of int64.
  if (i == 0 || i > 9) return std::nullopt;
  const int64_t n = std::atoll(std::string(v.substr(0, i)).c_str());
  std::string_view unit = v.substr(i);
  if (unit == "ms") return std::chrono::milliseconds(n);
  if (unit == "s") return std::chrono::milliseconds(n * 1000);
  if (unit == "min") return std::chrono::milliseconds(n * 60 * 1000);
  if (unit == "h") return std::chrono::milliseconds(n * 3600 * 1000);
  return std::nullopt;
}

}  // namespace weir
