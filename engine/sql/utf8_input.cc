#include "engine/sql/utf8_input.h"

#include "engine/base/utf8.h"

namespace weir::sql::internal {

size_t DecodeUtf8(std::string_view s, std::u32string* out) {
  out->clear();
  out->reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const Utf8Char d = DecodeUtf8At(s, i);
    if (d.length == 0) return i;
    out->push_back(d.code_point);
    i += d.length;
  }
  return std::string_view::npos;
}

std::u32string DecodeUtf8Lenient(std::string_view s,
                                 std::vector<uint32_t>* starts) {
  std::u32string out;
  out.reserve(s.size());
  if (starts != nullptr) {
    starts->clear();
    starts->reserve(s.size() + 1);
  }
  for (size_t i = 0; i < s.size();) {
    Utf8Char d = DecodeUtf8At(s, i);
    if (d.length == 0) d = {0xFFFD, 1};
    if (starts != nullptr) starts->push_back(static_cast<uint32_t>(i));
    out.push_back(d.code_point);
    i += d.length;
  }
  if (starts != nullptr) starts->push_back(static_cast<uint32_t>(s.size()));
  return out;
}

}  // namespace weir::sql::internal
