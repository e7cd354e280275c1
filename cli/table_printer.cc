#include "cli/table_printer.h"

#include <sys/ioctl.h>
#include <unistd.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/utf8.h"

namespace weir::cli {
namespace {

constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026 '…'

// Decodes the code point at text[*i] and advances *i past it. Bytes that
// are not UTF-8 yield U+FFFD and advance one byte.
char32_t NextCodePoint(std::string_view text, size_t* i) {
  const Utf8Char c = DecodeUtf8At(text, *i);
  if (c.length == 0) {
    ++*i;
    return 0xFFFD;
  }
  *i += c.length;
  return c.code_point;
}

struct Range {
  char32_t first, last;
};

bool InRanges(char32_t cp, const Range* ranges, size_t count) {
  for (size_t k = 0; k < count; ++k) {
    if (cp >= ranges[k].first && cp <= ranges[k].last) return true;
  }
  return false;
}

// Terminal columns of one code point: a small approximation of wcwidth()
// that does not depend on the locale.
int CodePointWidth(char32_t cp) {
  static constexpr Range kZeroWidth[] = {
      {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD},   {0x0610, 0x061A},
      {0x064B, 0x065F}, {0x0E31, 0x0E31}, {0x0E34, 0x0E3A},   {0x1AB0, 0x1AFF},
      {0x1DC0, 0x1DFF}, {0x200B, 0x200F}, {0x20D0, 0x20FF},   {0xFE00, 0xFE0F},
      {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF},
  };
  static constexpr Range kWide[] = {
      {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},
      {0x23E9, 0x23EC},   {0x2614, 0x2615},   {0x2E80, 0x303E},
      {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},
      {0xA000, 0xA4CF},   {0xA960, 0xA97F},   {0xAC00, 0xD7A3},
      {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},
      {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F300, 0x1F64F},
      {0x1F680, 0x1F6FF}, {0x1F900, 0x1F9FF}, {0x20000, 0x3FFFD},
  };
  if (InRanges(cp, kZeroWidth, std::size(kZeroWidth))) return 0;
  if (InRanges(cp, kWide, std::size(kWide))) return 2;
  return 1;
}

void AppendBorder(const std::vector<size_t>& widths, std::string* out) {
  *out += '+';
  for (size_t w : widths) {
    out->append(w + 2, '-');
    *out += '+';
  }
  *out += '\n';
}

void AppendLine(const std::vector<std::string>& cells,
                const std::vector<size_t>& widths, std::string* out) {
  *out += '|';
  for (size_t c = 0; c < widths.size(); ++c) {
    const std::string cell =
        Truncate(c < cells.size() ? cells[c] : std::string(), widths[c]);
    *out += ' ';
    *out += cell;
    out->append(widths[c] - DisplayWidth(cell), ' ');
    *out += " |";
  }
  *out += '\n';
}

// Appends `value` as `format` (one %X conversion) spells it.
void AppendEscape(const char* format, unsigned value, std::string* out) {
  char buffer[16];
  const int n = std::snprintf(buffer, sizeof buffer, format, value);
  out->append(buffer, static_cast<size_t>(n));
}

// The length of the longest prefix of `text` that EscapeCell keeps as it
// is and that is plain ASCII: no byte below 0x20, no '|', no 0x7F and
// none from 0x80 up. Eight bytes at a time (SWAR): a byte b is flagged
// when b < 0x20, b ^ '|' == 0, b ^ 0x7F == 0 or its top bit is set.
size_t PlainAsciiPrefix(std::string_view text) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  // Bytes below n (n <= 0x80): the classic "has less than" test.
  auto below = [](uint64_t x, uint64_t n) { return (x - kOnes * n) & ~x; };
  const char* p = text.data();
  const size_t n = text.size();
  size_t i = 0;
#if defined(__SSE2__)
  // 16 bytes at a time: signed, the bytes below 0x20 and those from 0x80
  // (negative) compare below ' '.
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i del = _mm_set1_epi8(0x7F);
  const __m128i bar = _mm_set1_epi8('|');
  for (; i + 16 <= n; i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const int flagged = _mm_movemask_epi8(_mm_or_si128(
        _mm_cmplt_epi8(x, space),
        _mm_or_si128(_mm_cmpeq_epi8(x, del), _mm_cmpeq_epi8(x, bar))));
    if (flagged != 0) return i + static_cast<size_t>(__builtin_ctz(flagged));
  }
#endif
  for (; i + 8 <= n; i += 8) {
    uint64_t x;
    std::memcpy(&x, p + i, 8);
    const uint64_t flagged = (below(x, 0x20) | below(x ^ (kOnes * '|'), 1) |
                              below(x ^ (kOnes * 0x7F), 1) | x) &
                             kHigh;
    if (flagged != 0) break;  // the byte loop below finds which one
  }
  for (; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(p[i]);
    if (c < 0x20 || c == '|' || c >= 0x7F) break;
  }
  return i;
}

}  // namespace

std::string EscapeCell(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendEscapedCell(text, &out);
  return out;
}

bool IsPlainCell(std::string_view text) {
  return PlainAsciiPrefix(text) == text.size();
}

void AppendEscapedCell(std::string_view text, std::string* out) {
  size_t i = PlainAsciiPrefix(text);
  out->append(text.data(), i);
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      out->append("\\n");
    } else if (c == '\t') {
      out->append("\\t");
    } else if (c == '\r') {
      out->append("\\r");
    } else if (c == '|') {
      out->append("\\|");
    } else if (c < 0x20 || c == 0x7F) {
      AppendEscape("\\x%02X", c, out);
    } else if (c < 0x80) {
      out->push_back(static_cast<char>(c));
    } else {
      const Utf8Char decoded = DecodeUtf8At(text, i);
      if (decoded.length == 0) {  // not UTF-8: one byte, then go on
        AppendEscape("\\x%02X", c, out);
        ++i;
        continue;
      }
      const char32_t cp = decoded.code_point;
      const size_t next = i + decoded.length;
      if (cp >= 0x80 && cp <= 0x9F) {
        AppendEscape("\\u%04X", static_cast<unsigned>(cp), out);
      } else {
        out->append(text.substr(i, next - i));
      }
      i = next;
      continue;
    }
    ++i;
  }
}

size_t DisplayWidth(std::string_view text) {
  size_t width = 0;
  size_t i = 0;
  while (i < text.size()) width += CodePointWidth(NextCodePoint(text, &i));
  return width;
}

std::string Truncate(std::string_view text, size_t width) {
  if (DisplayWidth(text) <= width) return std::string(text);
  if (width == 0) return "";
  // Keep code points while they fit in width - 1, then add the ellipsis.
  size_t used = 0;
  size_t i = 0;
  size_t keep = 0;
  while (i < text.size()) {
    size_t next = i;
    const int w = CodePointWidth(NextCodePoint(text, &next));
    if (used + w > width - 1) break;
    used += w;
    i = next;
    keep = i;
  }
  std::string out(text.substr(0, keep));
  out += kEllipsis;
  return out;
}

std::string FormatTable(const std::vector<std::string>& columns,
                        const std::vector<std::vector<std::string>>& rows,
                        size_t max_width) {
  const size_t n = columns.size();
  std::vector<std::string> header;
  for (const std::string& c : columns) header.push_back(EscapeCell(c));
  std::vector<std::vector<std::string>> body;
  body.reserve(rows.size());
  for (const auto& row : rows) {
    std::vector<std::string> cells;
    for (size_t c = 0; c < n; ++c) {
      cells.push_back(c < row.size() ? EscapeCell(row[c]) : std::string());
    }
    body.push_back(std::move(cells));
  }

  std::vector<size_t> widths(n, 0);
  for (size_t c = 0; c < n; ++c) {
    widths[c] = DisplayWidth(header[c]);
    for (const auto& row : body) {
      widths[c] = std::max(widths[c], DisplayWidth(row[c]));
    }
  }

  if (max_width > 0) {
    // Each column costs its width plus " | " framing: 3 per column + 1.
    const size_t frame = 3 * n + 1;
    size_t total = frame;
    for (size_t w : widths) total += w;
    std::vector<size_t> floor(n);
    for (size_t c = 0; c < n; ++c) floor[c] = std::min<size_t>(3, widths[c]);
    while (total > max_width) {
      // Narrow the widest column that can still give a column.
      size_t widest = n;
      for (size_t c = 0; c < n; ++c) {
        if (widths[c] > floor[c] &&
            (widest == n || widths[c] > widths[widest])) {
          widest = c;
        }
      }
      if (widest == n) break;  // every column is at its floor
      --widths[widest];
      --total;
    }
  }

  std::string out;
  AppendBorder(widths, &out);
  AppendLine(header, widths, &out);
  AppendBorder(widths, &out);
  for (const auto& row : body) AppendLine(row, widths, &out);
  if (!body.empty()) AppendBorder(widths, &out);
  return out;
}

size_t TerminalWidth(int fd) {
  if (!isatty(fd)) return 0;
  if (const char* env = std::getenv("COLUMNS"); env != nullptr) {
    size_t columns = 0;
    const std::string_view text(env);
    auto [ptr, ec] =
        std::from_chars(text.data(), text.data() + text.size(), columns);
    if (ec == std::errc() && ptr == text.data() + text.size() && columns > 0) {
      return columns;
    }
  }
  struct winsize size {};
  if (ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return size.ws_col;
  }
  return 0;
}

}  // namespace weir::cli
