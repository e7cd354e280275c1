#include "cli/config_file.h"

#include <string>

namespace weir::cli {
namespace {

std::string_view TrimSpaces(std::string_view s) {
  const char* ws = " \t\r";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

/// Removes matching quotes around `s`; false for an unmatched quote.
bool Unquote(std::string_view s, std::string* out) {
  if (!s.empty() && (s.front() == '\'' || s.front() == '"')) {
    if (s.size() < 2 || s.back() != s.front()) return false;
    *out = std::string(s.substr(1, s.size() - 2));
    return true;
  }
  *out = std::string(s);
  return true;
}

/// The line without a trailing comment: a '#' outside quotes starts one.
std::string_view StripComment(std::string_view line) {
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '#') {
      return line.substr(0, i);
    }
  }
  return line;
}

}  // namespace

bool ParseConfig(std::string_view text, std::vector<ConfigSetting>* out,
                 int* error_line, std::string* error) {
  int number = 0;
  for (size_t pos = 0; pos <= text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line =
        TrimSpaces(StripComment(text.substr(pos, end - pos)));
    pos = end + 1;
    ++number;
    if (line.empty()) continue;
    auto fail = [&](const std::string& what) {
      *error_line = number;
      *error = what;
      return false;
    };
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return fail("expected 'key = value', got '" + std::string(line) + "'");
    }
    ConfigSetting setting;
    setting.line = number;
    if (!Unquote(TrimSpaces(line.substr(0, eq)), &setting.key) ||
        !Unquote(TrimSpaces(line.substr(eq + 1)), &setting.value)) {
      return fail("unmatched quote");
    }
    if (setting.key.empty()) return fail("the key before '=' is empty");
    out->push_back(std::move(setting));
  }
  return true;
}

}  // namespace weir::cli
