#include "engine/expr/function_helpers.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>
#include <variant>

#include "absl/status/status.h"
#include "engine/base/strings.h"
#include "engine/types/temporal_util.h"
#include "engine/types/value.h"

namespace weir::expr::internal {

using types::internal::CivilDateTime;
using types::internal::CivilFromMicros;
using types::internal::FloorDiv;
using types::internal::FloorMod;
using types::internal::kMicrosPerDay;
using types::internal::kMicrosPerHour;
using types::internal::kMicrosPerMinute;
using types::internal::kMicrosPerSecond;

namespace {

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

}  // namespace

int64_t Utf8Length(std::string_view s) {
  int64_t n = 0;
  for (unsigned char c : s) {
    if (!IsContinuation(c)) ++n;
  }
  return n;
}

std::vector<std::string_view> Utf8Chars(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i + 1;
    while (j < s.size() && IsContinuation(static_cast<unsigned char>(s[j]))) {
      ++j;
    }
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

absl::StatusOr<std::string> Substring(std::string_view s, int64_t start,
                                      std::optional<int64_t> len) {
  if (len && *len < 0) {
    return absl::InvalidArgumentError("negative substring length not allowed");
  }
  auto chars = Utf8Chars(s);
  int64_t n = static_cast<int64_t>(chars.size());
  // Positions [start, end) in 1-based terms, clipped to [1, n + 1).
  int64_t end = n + 1;
  if (len && start <= n + 1 - *len) end = start + *len;  // no overflow
  int64_t from = std::max<int64_t>(start, 1);
  end = std::min<int64_t>(end, n + 1);
  std::string out;
  for (int64_t i = from; i < end; ++i) out += chars[i - 1];
  return out;
}

namespace {

/// The end of the code point that starts at `i` (< s.size()).
size_t NextCodePoint(std::string_view s, size_t i) {
  size_t j = i + 1;
  while (j < s.size() && IsContinuation(static_cast<unsigned char>(s[j]))) ++j;
  return j;
}

/// The start of the code point that ends at `e` (> 0).
size_t PrevCodePoint(std::string_view s, size_t e) {
  size_t i = e - 1;
  while (i > 0 && IsContinuation(static_cast<unsigned char>(s[i]))) --i;
  return i;
}

/// True when `c` is one of the code points of `set`.
bool HasCodePoint(std::string_view set, std::string_view c) {
  for (size_t i = 0; i < set.size();) {
    size_t j = NextCodePoint(set, i);
    if (set.substr(i, j - i) == c) return true;
    i = j;
  }
  return false;
}

}  // namespace

int64_t Utf8CharCount(std::string_view s) {
  if (s.empty()) return 0;
  int64_t n = 1;
  for (size_t i = 1; i < s.size(); ++i) {
    if (!IsContinuation(static_cast<unsigned char>(s[i]))) ++n;
  }
  return n;
}

std::string_view TrimCodePoints(std::string_view s, std::string_view chars,
                                bool left, bool right) {
  size_t b = 0, e = s.size();
  if (left) {
    while (b < e) {
      size_t next = NextCodePoint(s, b);
      if (!HasCodePoint(chars, s.substr(b, next - b))) break;
      b = next;
    }
  }
  if (right) {
    while (e > b) {
      size_t prev = PrevCodePoint(s, e);
      if (!HasCodePoint(chars, s.substr(prev, e - prev))) break;
      e = prev;
    }
  }
  return s.substr(b, e - b);
}

void AppendReplaced(std::string_view s, std::string_view from,
                    std::string_view to, std::string* out) {
  if (from.empty()) {
    out->append(s);
    return;
  }
  size_t start = 0, pos = s.find(from);
  if (pos == std::string_view::npos) {
    out->append(s);
    return;
  }
  out->reserve(out->size() + s.size() +
               (to.size() > from.size()
                    ? s.size() / from.size() * (to.size() - from.size())
                    : 0));
  for (; pos != std::string_view::npos; pos = s.find(from, start)) {
    out->append(s.substr(start, pos - start));
    out->append(to);
    start = pos + from.size();
  }
  out->append(s.substr(start));
}

int64_t Utf8Position(std::string_view needle, std::string_view haystack) {
  size_t pos = haystack.find(needle);
  if (pos == std::string_view::npos) return 0;
  return Utf8Length(haystack.substr(0, pos)) + 1;
}

void AppendPadded(std::string_view s, int64_t len, std::string_view pad,
                  bool left, std::string* out) {
  if (len <= 0) return;
  const int64_t have = Utf8CharCount(s);
  if (have >= len) {
    size_t end = 0;
    for (int64_t i = 0; i < len; ++i) end = NextCodePoint(s, end);
    out->append(s.substr(0, end));
    return;
  }
  if (pad.empty()) {
    out->append(s);
    return;
  }
  if (!left) out->append(s);
  size_t p = 0;
  for (int64_t i = have; i < len; ++i) {
    size_t next = NextCodePoint(pad, p);
    out->append(pad.substr(p, next - p));
    p = next == pad.size() ? 0 : next;
  }
  if (left) out->append(s);
}

void AppendReversed(std::string_view s, std::string* out) {
  out->reserve(out->size() + s.size());
  for (size_t e = s.size(); e > 0;) {
    size_t b = PrevCodePoint(s, e);
    out->append(s.substr(b, e - b));
    e = b;
  }
}

absl::StatusOr<std::string_view> SplitPartField(std::string_view s,
                                                std::string_view delim,
                                                int64_t n) {
  if (n == 0) {
    return absl::InvalidArgumentError(
        "SPLIT_PART field position must not be zero");
  }
  if (delim.empty()) return n == 1 || n == -1 ? s : std::string_view();
  // Not n - 1 up front: n may be INT64_MIN.
  int64_t index = n > 0 ? n - 1 : 0;
  if (n < 0) {
    int64_t count = 1;
    for (size_t pos = s.find(delim); pos != std::string_view::npos;
         pos = s.find(delim, pos + delim.size())) {
      ++count;
    }
    index = count + n;
    if (index < 0) return std::string_view();
  }
  size_t start = 0;
  for (int64_t i = 0; i < index; ++i) {
    size_t pos = s.find(delim, start);
    if (pos == std::string_view::npos) return std::string_view();
    start = pos + delim.size();
  }
  size_t end = s.find(delim, start);
  return s.substr(start, end == std::string_view::npos ? std::string_view::npos
                                                       : end - start);
}

absl::StatusOr<bool> Like(std::string_view text, std::string_view pattern,
                          std::string_view escape) {
  auto esc_chars = Utf8Chars(escape);
  if (esc_chars.size() > 1) {
    return absl::InvalidArgumentError(fmt::format(
        "LIKE escape must be a single character, got '{}'", escape));
  }
  enum Kind { kLiteral, kOne, kAny };
  struct Token {
    Kind kind;
    std::string_view ch;
  };
  std::vector<Token> tokens;
  auto pchars = Utf8Chars(pattern);
  for (size_t i = 0; i < pchars.size(); ++i) {
    std::string_view c = pchars[i];
    if (!esc_chars.empty() && c == esc_chars[0]) {
      if (i + 1 == pchars.size()) {
        return absl::InvalidArgumentError(fmt::format(
            "LIKE pattern '{}' must not end with the escape character",
            pattern));
      }
      tokens.push_back({kLiteral, pchars[++i]});
    } else if (c == "%") {
      tokens.push_back({kAny, c});
    } else if (c == "_") {
      tokens.push_back({kOne, c});
    } else {
      tokens.push_back({kLiteral, c});
    }
  }
  auto tchars = Utf8Chars(text);
  size_t t = 0, p = 0, star = std::string_view::npos, mark = 0;
  while (t < tchars.size()) {
    if (p < tokens.size() &&
        (tokens[p].kind == kOne ||
         (tokens[p].kind == kLiteral && tokens[p].ch == tchars[t]))) {
      ++t;
      ++p;
    } else if (p < tokens.size() && tokens[p].kind == kAny) {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < tokens.size() && tokens[p].kind == kAny) ++p;
  return p == tokens.size();
}

absl::StatusOr<std::unique_ptr<re2::RE2>> CompileRegex(std::string_view p) {
  RE2::Options options;
  options.set_log_errors(false);
  auto re =
      std::make_unique<re2::RE2>(re2::StringPiece(p.data(), p.size()), options);
  if (!re->ok()) {
    return absl::InvalidArgumentError(
        fmt::format("invalid regular expression '{}': {}", p, re->error()));
  }
  return re;
}

absl::StatusOr<std::optional<std::string_view>> RegexExtract(std::string_view s,
                                                             const re2::RE2& re,
                                                             int64_t group) {
  if (group < 0 || group > re.NumberOfCapturingGroups()) {
    return absl::InvalidArgumentError(fmt::format(
        "REGEXP_EXTRACT group {} is out of range: the pattern has {} "
        "capturing groups",
        group, re.NumberOfCapturingGroups()));
  }
  std::vector<re2::StringPiece> groups(group + 1);
  if (!re.Match(re2::StringPiece(s.data(), s.size()), 0, s.size(),
                re2::RE2::UNANCHORED, groups.data(),
                static_cast<int>(groups.size())) ||
      groups[group].data() == nullptr) {
    return std::nullopt;
  }
  return std::string_view(groups[group].data(), groups[group].size());
}

absl::Status CheckRegexRewrite(const re2::RE2& re, std::string_view rewrite) {
  std::string why;
  if (!re.CheckRewriteString(re2::StringPiece(rewrite.data(), rewrite.size()),
                             &why)) {
    return absl::InvalidArgumentError(
        fmt::format("invalid replacement string '{}': {}", rewrite, why));
  }
  return absl::OkStatus();
}

void RegexReplaceAll(const re2::RE2& re, std::string_view rewrite,
                     std::string* s) {
  re2::RE2::GlobalReplace(s, re,
                          re2::StringPiece(rewrite.data(), rewrite.size()));
}

absl::StatusOr<int64_t> ExtractField(std::string_view field, int64_t micros) {
  std::string f = weir::AsciiUpper(field);
  CivilDateTime c = CivilFromMicros(micros);
  int64_t days = FloorDiv(micros, kMicrosPerDay);
  if (f == "YEAR") return c.year;
  if (f == "QUARTER") return (c.month - 1) / 3 + 1;
  if (f == "MONTH") return c.month;
  if (f == "WEEK") return types::internal::IsoWeek(days);
  if (f == "DAY") return c.day;
  if (f == "DOW") return types::internal::DayOfWeek(days);
  if (f == "DOY") return types::internal::DayOfYear(c);
  if (f == "HOUR") return c.hour;
  if (f == "MINUTE") return c.minute;
  if (f == "SECOND") return c.second;
  if (f == "MILLISECOND") return c.micros / 1000;
  if (f == "MICROSECOND") return c.micros;
  if (f == "EPOCH") return FloorDiv(micros, kMicrosPerSecond);
  return absl::InvalidArgumentError(
      fmt::format("unknown EXTRACT field '{}'", field));
}

absl::StatusOr<int64_t> TruncateTimestamp(std::string_view unit,
                                          int64_t micros) {
  std::string u = weir::AsciiUpper(unit);
  auto floor_to = [&](int64_t step) { return micros - FloorMod(micros, step); };
  CivilDateTime c = CivilFromMicros(micros);
  auto at_date = [](int64_t y, int m, int d) {
    return types::internal::DaysFromCivil(y, m, d) * kMicrosPerDay;
  };
  if (u == "YEAR") return at_date(c.year, 1, 1);
  if (u == "QUARTER") return at_date(c.year, (c.month - 1) / 3 * 3 + 1, 1);
  if (u == "MONTH") return at_date(c.year, c.month, 1);
  if (u == "WEEK") {
    int64_t days = FloorDiv(micros, kMicrosPerDay);
    int monday_based = (types::internal::DayOfWeek(days) + 6) % 7;
    return (days - monday_based) * kMicrosPerDay;
  }
  if (u == "DAY") return floor_to(kMicrosPerDay);
  if (u == "HOUR") return floor_to(kMicrosPerHour);
  if (u == "MINUTE") return floor_to(kMicrosPerMinute);
  if (u == "SECOND") return floor_to(kMicrosPerSecond);
  if (u == "MILLISECOND") return floor_to(1000);
  return absl::InvalidArgumentError(
      fmt::format("unknown DATE_TRUNC unit '{}'", unit));
}

namespace {

constexpr const char* kMonthNames[] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
constexpr const char* kDayNames[] = {"Sunday",    "Monday",   "Tuesday",
                                     "Wednesday", "Thursday", "Friday",
                                     "Saturday"};

}  // namespace

std::string DateFormat(int64_t micros, std::string_view format) {
  CivilDateTime c = CivilFromMicros(micros);
  int64_t days = FloorDiv(micros, kMicrosPerDay);
  int hour12 = c.hour % 12 == 0 ? 12 : c.hour % 12;
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 == format.size()) {
      out += format[i];
      continue;
    }
    char spec = format[++i];
    switch (spec) {
      case 'Y':
        out += fmt::format("{:04d}", c.year);
        break;
      case 'y':
        out += fmt::format("{:02d}", FloorMod(c.year, 100));
        break;
      case 'm':
        out += fmt::format("{:02d}", c.month);
        break;
      case 'c':
        out += std::to_string(c.month);
        break;
      case 'd':
        out += fmt::format("{:02d}", c.day);
        break;
      case 'e':
        out += std::to_string(c.day);
        break;
      case 'H':
        out += fmt::format("{:02d}", c.hour);
        break;
      case 'k':
        out += std::to_string(c.hour);
        break;
      case 'h':
      case 'I':
        out += fmt::format("{:02d}", hour12);
        break;
      case 'l':
        out += std::to_string(hour12);
        break;
      case 'i':
        out += fmt::format("{:02d}", c.minute);
        break;
      case 's':
      case 'S':
        out += fmt::format("{:02d}", c.second);
        break;
      case 'f':
        out += fmt::format("{:06d}", c.micros);
        break;
      case 'p':
        out += c.hour < 12 ? "AM" : "PM";
        break;
      case 'b':
        out += std::string(kMonthNames[c.month - 1], 3);
        break;
      case 'M':
        out += kMonthNames[c.month - 1];
        break;
      case 'a':
        out += std::string(kDayNames[types::internal::DayOfWeek(days)], 3);
        break;
      case 'W':
        out += kDayNames[types::internal::DayOfWeek(days)];
        break;
      case 'j':
        out += fmt::format("{:03d}", types::internal::DayOfYear(c));
        break;
      case 'T':
        out += fmt::format("{:02d}:{:02d}:{:02d}", c.hour, c.minute, c.second);
        break;
      default:
        out += spec;
        break;  // includes %%
    }
  }
  return out;
}

std::optional<int64_t> ParseWithFormat(std::string_view text,
                                       std::string_view format) {
  size_t t = 0;
  auto digits = [&](int min, int max, int64_t* v) {
    int n = 0;
    *v = 0;
    while (n < max && t < text.size() && text[t] >= '0' && text[t] <= '9') {
      *v = *v * 10 + (text[t++] - '0');
      ++n;
    }
    return n >= min;
  };
  auto name = [&](bool full, int64_t* month) {
    for (int m = 0; m < 12; ++m) {
      std::string_view n = kMonthNames[m];
      if (!full) n = n.substr(0, 3);
      if (text.size() - t >= n.size() &&
          weir::AsciiUpper(text.substr(t, n.size())) == weir::AsciiUpper(n)) {
        t += n.size();
        *month = m + 1;
        return true;
      }
    }
    return false;
  };
  int64_t year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0,
          micros = 0, doy = -1;
  int pm = -1;  // -1: no %p, 0: AM, 1: PM
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 == format.size()) {
      if (t >= text.size() || text[t] != format[i]) return std::nullopt;
      ++t;
      continue;
    }
    char spec = format[++i];
    bool ok = true;
    int64_t v;
    switch (spec) {
      case 'Y':
        ok = digits(4, 4, &year);
        break;
      case 'y':
        ok = digits(2, 2, &v);
        year = v < 70 ? 2000 + v : 1900 + v;
        break;
      case 'm':
      case 'c':
        ok = digits(1, 2, &month);
        break;
      case 'd':
      case 'e':
        ok = digits(1, 2, &day);
        break;
      case 'H':
      case 'k':
        ok = digits(1, 2, &hour);
        break;
      case 'h':
      case 'I':
      case 'l':
        ok = digits(1, 2, &hour) && hour >= 1 && hour <= 12;
        if (pm < 0) pm = 0;
        break;
      case 'i':
        ok = digits(2, 2, &minute);
        break;
      case 's':
      case 'S':
        ok = digits(2, 2, &second);
        break;
      case 'f': {
        size_t start = t;
        ok = digits(1, 6, &micros);
        for (size_t n = t - start; n < 6; ++n) micros *= 10;
        break;
      }
      case 'p':
        if (text.size() - t >= 2 &&
            (weir::AsciiUpper(text.substr(t, 2)) == "AM" ||
             weir::AsciiUpper(text.substr(t, 2)) == "PM")) {
          pm = weir::AsciiUpper(text.substr(t, 2)) == "PM" ? 1 : 0;
          t += 2;
        } else {
          ok = false;
        }
        break;
      case 'b':
        ok = name(false, &month);
        break;
      case 'M':
        ok = name(true, &month);
        break;
      case 'j':
        ok = digits(1, 3, &doy);
        break;
      case 'T':
        ok = digits(1, 2, &hour) && t < text.size() && text[t++] == ':' &&
             digits(2, 2, &minute) && t < text.size() && text[t++] == ':' &&
             digits(2, 2, &second);
        break;
      default:
        ok = t < text.size() && text[t] == spec;
        ++t;
        break;
    }
    if (!ok) return std::nullopt;
  }
  if (t != text.size()) return std::nullopt;
  if (pm >= 0) {
    if (hour < 1 || hour > 12) return std::nullopt;
    hour = hour % 12 + (pm == 1 ? 12 : 0);
  }
  if (year < 1 || year > 9999 || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  int64_t days;
  if (doy >= 0) {
    int64_t len = types::internal::IsLeapYear(year) ? 366 : 365;
    if (doy < 1 || doy > len) return std::nullopt;
    days = types::internal::DaysFromCivil(year, 1, 1) + doy - 1;
  } else {
    if (month < 1 || month > 12 || day < 1 ||
        day > types::internal::DaysInMonth(year, static_cast<int>(month))) {
      return std::nullopt;
    }
    days = types::internal::DaysFromCivil(year, static_cast<int>(month),
                                          static_cast<int>(day));
  }
  return days * kMicrosPerDay + hour * kMicrosPerHour +
         minute * kMicrosPerMinute + second * kMicrosPerSecond + micros;
}

namespace {

/// True when arrays and objects nest deeper than `limit` in `text`
/// (brackets inside strings do not count; unbalanced text is the parser's
/// business).
bool NestsDeeperThan(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace

absl::StatusOr<JsonLookup> LookupJson(std::string_view json_text,
                                      std::string_view path) {
  using Step = std::variant<std::string, size_t>;
  auto bad_path = [&] {
    return absl::InvalidArgumentError(
        fmt::format("invalid JSON path '{}'", path));
  };
  std::vector<Step> steps;
  size_t i = 0;
  while (i < path.size() && path[i] == ' ') ++i;
  if (i == path.size() || path[i] != '$') return bad_path();
  ++i;
  auto read_quoted = [&](char q, std::string* out) {
    ++i;  // opening quote
    while (i < path.size() && path[i] != q) *out += path[i++];
    if (i == path.size()) return false;
    ++i;  // closing quote
    return true;
  };
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      std::string key;
      if (i < path.size() && path[i] == '"') {
        if (!read_quoted('"', &key)) return bad_path();
      } else {
        while (i < path.size() && path[i] != '.' && path[i] != '[') {
          key += path[i++];
        }
        if (key.empty()) return bad_path();
      }
      steps.emplace_back(std::move(key));
    } else if (path[i] == '[') {
      ++i;
      if (i < path.size() && (path[i] == '\'' || path[i] == '"')) {
        std::string key;
        if (!read_quoted(path[i], &key)) return bad_path();
        steps.emplace_back(std::move(key));
      } else {
        size_t start = i;
        size_t index = 0;
        while (i < path.size() && path[i] >= '0' && path[i] <= '9') {
          index = index * 10 + static_cast<size_t>(path[i++] - '0');
          if (index > (size_t{1} << 40)) return bad_path();
        }
        if (i == start) return bad_path();
        steps.emplace_back(index);
      }
      if (i == path.size() || path[i] != ']') return bad_path();
      ++i;
    } else {
      return bad_path();
    }
  }

  JsonLookup result;
  if (NestsDeeperThan(json_text, kMaxJsonDepth)) {
    result.found = JsonFound::kMalformed;
    return result;
  }
  nlohmann::json doc =
      nlohmann::json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (doc.is_discarded()) {
    result.found = JsonFound::kMalformed;
    return result;
  }
  const nlohmann::json* node = &doc;
  for (const Step& step : steps) {
    if (const std::string* key = std::get_if<std::string>(&step)) {
      if (!node->is_object()) return result;
      auto it = node->find(*key);
      if (it == node->end()) return result;
      node = &*it;
    } else {
      size_t index = std::get<size_t>(step);
      if (!node->is_array() || index >= node->size()) return result;
      node = &(*node)[index];
    }
  }
  if (node->is_null()) {
    result.found = JsonFound::kNull;
  } else if (node->is_string()) {
    result.found = JsonFound::kScalar;
    result.text = node->get<std::string>();
  } else if (node->is_structured()) {
    result.found = JsonFound::kContainer;
    result.text = node->dump();
  } else {
    result.found = JsonFound::kScalar;
    result.text = node->dump();
  }
  return result;
}

// ---------------------------------------------------------------------------
// Numeric row helpers.

namespace {

absl::Status DecimalOverflowError(const types::LogicalType& t) {
  return absl::OutOfRangeError(
      fmt::format("DECIMAL overflow: value does not fit {}", t.ToString()));
}

using types::internal::uint128;

uint128 Pow10Of(int k) {
  static const std::array<uint128, 39> kTable = [] {
    std::array<uint128, 39> t{};
    t[0] = 1;
    for (size_t i = 1; i < t.size(); ++i) t[i] = t[i - 1] * 10;
    return t;
  }();
  return kTable[static_cast<size_t>(k)];
}

uint128 Magnitude(int128 v) {
  return v < 0 ? -static_cast<uint128>(v) : static_cast<uint128>(v);
}

// The magnitude of `v` divided by 10^k (0 < k <= 38), rounded half away
// from zero: types::internal::Rescale(v, k, 0) without its 256-bit
// division (|v| < 2^128, so 128 bits hold every step).
uint128 DivPow10HalfAway(int128 v, int k) {
  uint128 p = Pow10Of(k), m = Magnitude(v);
  uint128 q = m / p, rem = m % p;
  if (rem >= p - rem) ++q;
  return q;
}

// types::internal::Rescale, with the common downward step done in 128 bits.
std::optional<int128> RescaleFast(int128 v, int from, int to) {
  if (from > to && from - to <= 38) {
    int128 q = static_cast<int128>(DivPow10HalfAway(v, from - to));
    return v < 0 ? -q : q;
  }
  return types::internal::Rescale(v, from, to);
}

absl::StatusOr<double> FiniteOr(double r, std::string_view fn) {
  if (std::isinf(r)) {
    return absl::OutOfRangeError(
        fmt::format("value out of range: overflow in {}", fn));
  }
  return r;
}

}  // namespace

absl::StatusOr<int64_t> AbsInteger(int64_t x, const types::LogicalType& arg,
                                   const types::LogicalType& result) {
  int128 v = x < 0 ? -static_cast<int128>(x) : static_cast<int128>(x);
  int128 max = result.id() == types::TypeId::kInt ? INT32_MAX : INT64_MAX;
  if (v > max) {
    return absl::OutOfRangeError("integer overflow in ABS(" + arg.ToString() +
                                 ")");
  }
  return static_cast<int64_t>(v);
}

double CeilFloorDouble(double x, bool ceil) {
  return ceil ? std::ceil(x) : std::floor(x);
}

absl::StatusOr<int128> CeilFloorDecimal(int128 u, int scale, bool ceil,
                                        const types::LogicalType& result) {
  int128 p = static_cast<int128>(types::internal::Pow10(scale));
  int128 q = u / p, r = u % p;
  if (ceil && r > 0) ++q;
  if (!ceil && r < 0) --q;
  auto v = types::internal::Rescale(q, 0, result.scale());
  if (!v || !types::internal::FitsPrecision(*v, result.precision())) {
    return DecimalOverflowError(result);
  }
  return *v;
}

double RoundDouble(double x, int64_t digits, bool truncate) {
  digits = std::clamp<int64_t>(digits, -40, 40);
  if (!std::isfinite(x)) return x;
  double f = std::pow(10.0, static_cast<double>(digits));
  double y = x * f;
  if (!std::isfinite(y)) return x;
  y = truncate ? std::trunc(y) : std::round(y);
  return y / f;
}

absl::StatusOr<int128> RoundExact(int128 u, int scale, int64_t digits,
                                  bool truncate,
                                  const types::LogicalType& result) {
  namespace ti = types::internal;
  digits = std::clamp<int64_t>(digits, -40, 40);
  int64_t k = scale - digits;  // digits to drop
  int128 r = u;
  if (k > 38) {
    r = 0;
  } else if (k > 0 && truncate) {
    int128 p = static_cast<int128>(ti::Pow10(static_cast<int>(k)));
    r = u / p * p;
  } else if (k > 0) {
    // Rounded to 10^k and scaled back (at most |u| + 10^k < 2^128); it
    // must still fit an int128.
    uint128 back =
        DivPow10HalfAway(u, static_cast<int>(k)) * Pow10Of(static_cast<int>(k));
    if (back > (~uint128{0} >> 1)) {  // above the int128 maximum
      return absl::OutOfRangeError("overflow in ROUND");
    }
    r = u < 0 ? -static_cast<int128>(back) : static_cast<int128>(back);
  }
  if (result.IsInteger()) {
    int128 v = *RescaleFast(r, scale, 0);
    bool fits = result.id() == types::TypeId::kInt
                    ? v >= INT32_MIN && v <= INT32_MAX
                    : v >= INT64_MIN && v <= INT64_MAX;
    if (!fits) return absl::OutOfRangeError("integer overflow in ROUND");
    return v;
  }
  auto v = RescaleFast(r, scale, result.scale());
  if (!v || Magnitude(*v) >= Pow10Of(result.precision())) {
    return DecimalOverflowError(result);
  }
  return *v;
}

absl::StatusOr<double> Power(double x, double y) {
  if (x == 0 && y < 0) {
    return absl::InvalidArgumentError(
        "zero raised to a negative power is undefined");
  }
  double r = std::pow(x, y);
  if (std::isnan(r) && !std::isnan(x) && !std::isnan(y)) {
    return absl::InvalidArgumentError(
        "a negative number raised to a non-integer power is not a real "
        "number");
  }
  return FiniteOr(r, "POWER");
}

absl::StatusOr<double> ApplyDoubleFn(DoubleFn fn, double x) {
  switch (fn) {
    case DoubleFn::kSqrt:
      if (x < 0) {
        return absl::InvalidArgumentError(
            "cannot take square root of a negative number");
      }
      return FiniteOr(std::sqrt(x), "SQRT");
    case DoubleFn::kLn:
    case DoubleFn::kLog10:
      if (x == 0) {
        return absl::InvalidArgumentError("cannot take logarithm of zero");
      }
      if (x < 0) {
        return absl::InvalidArgumentError(
            "cannot take logarithm of a negative number");
      }
      return fn == DoubleFn::kLn ? FiniteOr(std::log(x), "LN")
                                 : FiniteOr(std::log10(x), "LOG10");
    case DoubleFn::kExp:
      break;
  }
  return FiniteOr(std::exp(x), "EXP");
}

// ---------------------------------------------------------------------------
// Temporal row helpers.

int64_t TemporalMicros(types::TypeId type, int64_t value) {
  return type == types::TypeId::kDate ? value * kMicrosPerDay : value;
}

absl::StatusOr<int64_t> ExtractFromTemporal(std::string_view field,
                                            types::TypeId type, int64_t value) {
  const std::string upper = weir::AsciiUpper(field);
  if (type == types::TypeId::kTime) {
    static const char* const kTimeFields[] = {
        "HOUR", "MINUTE", "SECOND", "MILLISECOND", "MICROSECOND", "EPOCH"};
    if (std::find(std::begin(kTimeFields), std::end(kTimeFields), upper) ==
        std::end(kTimeFields)) {
      return absl::InvalidArgumentError(
          fmt::format("EXTRACT field '{}' is not valid for TIME", field));
    }
  }
  return ExtractField(upper, TemporalMicros(type, value));
}

int64_t UnixSeconds(int64_t micros) {
  return FloorDiv(micros, kMicrosPerSecond);
}

absl::StatusOr<int64_t> FromUnixSeconds(int64_t seconds) {
  int64_t micros;
  if (__builtin_mul_overflow(seconds, kMicrosPerSecond, &micros) ||
      !types::internal::TimestampInRange(micros)) {
    return absl::OutOfRangeError("TIMESTAMP out of range");
  }
  return micros;
}

std::optional<int64_t> ToTimestampMicros(std::string_view text,
                                         const std::string_view* format,
                                         int precision) {
  std::optional<int64_t> micros;
  if (format != nullptr) {
    micros = ParseWithFormat(text, *format);
  } else if (auto t = types::ParseTimestamp(text); t.ok()) {
    micros = *t;
  }
  if (!micros) return std::nullopt;
  int64_t unit = static_cast<int64_t>(types::internal::Pow10(6 - precision));
  return *micros - FloorMod(*micros, unit);
}

std::optional<int64_t> ToDateDays(std::string_view text,
                                  const std::string_view* format) {
  if (format != nullptr) {
    auto m = ParseWithFormat(text, *format);
    if (!m) return std::nullopt;
    return FloorDiv(*m, kMicrosPerDay);
  }
  auto days = types::ParseDate(text);
  if (!days.ok()) return std::nullopt;
  return *days;
}

}  // namespace weir::expr::internal
