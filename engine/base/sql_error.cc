#include "engine/base/sql_error.h"

#include <algorithm>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "fmt/format.h"

namespace weir {
namespace {
constexpr char kSpanPayload[] = "weir.dev/span";
}  // namespace

absl::Status SqlError(const SourceSpan& span, std::string_view message) {
  return SqlError(absl::StatusCode::kInvalidArgument, span, message);
}

absl::Status SqlError(absl::StatusCode code, const SourceSpan& span,
                      std::string_view message) {
  if (!span.known()) return absl::Status(code, std::string(message));
  absl::Status status(
      code, fmt::format("line {}:{}: {}", span.line, span.column, message));
  status.SetPayload(kSpanPayload, absl::Cord(fmt::format(
                                      "{},{},{},{}", span.offset, span.length,
                                      span.line, span.column)));
  return status;
}

std::optional<SourceSpan> ErrorSpan(const absl::Status& status) {
  auto payload = status.GetPayload(kSpanPayload);
  if (!payload) return std::nullopt;
  std::vector<std::string> parts = absl::StrSplit(std::string(*payload), ',');
  if (parts.size() != 4) return std::nullopt;
  SourceSpan span;
  if (!absl::SimpleAtoi(parts[0], &span.offset) ||
      !absl::SimpleAtoi(parts[1], &span.length) ||
      !absl::SimpleAtoi(parts[2], &span.line) ||
      !absl::SimpleAtoi(parts[3], &span.column)) {
    return std::nullopt;
  }
  return span;
}

std::string FormatError(const absl::Status& status, std::string_view source) {
  std::string out(status.message());
  std::optional<SourceSpan> span = ErrorSpan(status);
  if (!span || span->offset > source.size()) return out;
  // Find the line that holds the span's start.
  size_t line_start =
      source.rfind('\n', span->offset == 0 ? 0 : span->offset - 1);
  line_start = (line_start == std::string_view::npos || span->offset == 0)
                   ? 0
                   : line_start + 1;
  if (span->offset > 0 && source[span->offset - 1] == '\n') {
    line_start = span->offset;
  }
  size_t line_end = source.find('\n', line_start);
  if (line_end == std::string_view::npos) line_end = source.size();
  std::string_view line = source.substr(line_start, line_end - line_start);
  // Very long lines are cut around the span so the caret stays readable.
  size_t caret_col = span->offset - line_start;
  constexpr size_t kMaxLine = 160;
  size_t cut = 0;
  if (line.size() > kMaxLine && caret_col > kMaxLine / 2) {
    cut = caret_col - kMaxLine / 2;
  }
  std::string_view shown = line.substr(cut, kMaxLine);
  size_t caret_len = std::max<size_t>(1, span->length);
  caret_len = std::min(caret_len, shown.size() > caret_col - cut
                                      ? shown.size() - (caret_col - cut)
                                      : size_t{1});
  caret_len = std::max<size_t>(1, caret_len);
  // The caret line pads one space per character (not per byte) so it lines
  // up under UTF-8 text, and keeps tabs so it lines up under them too.
  auto is_continuation = [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
  };
  std::string caret;
  for (size_t i = 0; i < caret_col - cut && i < shown.size(); ++i) {
    if (is_continuation(shown[i])) continue;
    caret.push_back(shown[i] == '\t' ? '\t' : ' ');
  }
  caret.push_back('^');
  size_t span_end = std::min(shown.size(), caret_col - cut + caret_len);
  for (size_t i = caret_col - cut + 1; i < span_end; ++i) {
    if (!is_continuation(shown[i])) caret.push_back('~');
  }
  out += fmt::format("\n{}\n{}", shown, caret);
  return out;
}

}  // namespace weir
