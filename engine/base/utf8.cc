#include "engine/base/utf8.h"

#include <cstdint>

namespace weir {

Utf8Char DecodeUtf8At(std::string_view text, size_t i) {
  const unsigned char lead = static_cast<unsigned char>(text[i]);
  size_t n = 0;  // continuation bytes
  uint32_t cp = 0;
  if (lead < 0x80) {
    return {lead, 1};
  } else if ((lead & 0xE0) == 0xC0) {
    n = 1;
    cp = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    n = 2;
    cp = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    n = 3;
    cp = lead & 0x07;
  } else {
    return {};
  }
  if (i + n >= text.size()) return {};  // truncated
  for (size_t k = 1; k <= n; ++k) {
    const unsigned char c = static_cast<unsigned char>(text[i + k]);
    if ((c & 0xC0) != 0x80) return {};
    cp = (cp << 6) | (c & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF.
  if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
      (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return {};
  }
  return {cp, n + 1};
}

}  // namespace weir
