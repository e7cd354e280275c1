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

namespace {

bool IsContinuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Sorted, merged, and cut to `size`: every byte of `text` that some
// redaction covers is covered by exactly one of the result.
std::vector<Redaction> Normalize(std::vector<Redaction> redactions,
                                 size_t size) {
  std::sort(redactions.begin(), redactions.end(),
            [](const Redaction& a, const Redaction& b) {
              return a.offset < b.offset;
            });
  std::vector<Redaction> out;
  for (Redaction& r : redactions) {
    if (r.offset >= size || r.length == 0) continue;
    r.length =
        static_cast<uint32_t>(std::min<size_t>(r.length, size - r.offset));
    if (!out.empty() && r.offset < out.back().offset + out.back().length) {
      Redaction& last = out.back();
      last.length = std::max(last.offset + last.length, r.offset + r.length) -
                    last.offset;
      continue;
    }
    out.push_back(std::move(r));
  }
  return out;
}

// A stretch of a line as shown: source bytes [src_begin, src_end) became
// display bytes [shown_begin, shown_end), copied or redacted.
struct Piece {
  size_t src_begin, src_end, shown_begin, shown_end;
  bool redacted;
};

// Where source offset `x` (within the pieces) lands in the display. A span
// that starts inside a redaction starts at the replacement; one that ends
// inside it ends after the replacement.
size_t ShownOffset(const std::vector<Piece>& pieces, size_t x, bool is_end) {
  for (const Piece& p : pieces) {
    if (x < p.src_begin || x > p.src_end) continue;
    if (!p.redacted) return p.shown_begin + (x - p.src_begin);
    if (x == p.src_begin) return p.shown_begin;
    if (x == p.src_end || is_end) return p.shown_end;
    return p.shown_begin;
  }
  return pieces.empty() ? 0 : pieces.back().shown_end;
}

void ReplaceAll(std::string_view what, std::string_view with,
                std::string* text) {
  if (what.empty()) return;
  for (size_t at = text->find(what); at != std::string::npos;
       at = text->find(what, at + with.size())) {
    text->replace(at, what.size(), with);
  }
}

// When the span of an error lies on redacted text, its message may quote
// that token (syntax errors quote its first line, cut to 37 bytes): those
// quotes become the replacement. Messages about other tokens are left alone,
// even when they happen to contain the same word as a secret.
void HideQuotedToken(std::string_view source, const SourceSpan& span,
                     const std::vector<Redaction>& hidden,
                     std::string* message) {
  const size_t begin = span.offset;
  const size_t end = std::min<size_t>(source.size(), begin + span.length);
  for (const Redaction& r : hidden) {
    if (r.offset >= std::max(end, begin + 1) || r.offset + r.length <= begin) {
      continue;
    }
    const std::string_view token = source.substr(begin, end - begin);
    ReplaceAll(token, r.replacement, message);
    std::string_view shown = token.substr(0, token.find('\n'));
    if (shown.size() > 37) {
      shown = shown.substr(0, 37);
      // As the parser cuts it: no part of a UTF-8 sequence left.
      while (!shown.empty() && IsContinuation(shown.back())) {
        shown.remove_suffix(1);
      }
      if (!shown.empty() && static_cast<unsigned char>(shown.back()) >= 0xC0) {
        shown.remove_suffix(1);
      }
    }
    if (shown.size() > 1) ReplaceAll(shown, "***", message);
    if (token.size() > 2 && (token.front() == '\'' || token.front() == '"') &&
        token.back() == token.front()) {
      ReplaceAll(token.substr(1, token.size() - 2), "***", message);
    }
  }
}

}  // namespace

std::string Redact(std::string_view text, std::vector<Redaction> redactions) {
  std::string out;
  size_t pos = 0;
  for (const Redaction& r : Normalize(std::move(redactions), text.size())) {
    out.append(text.substr(pos, r.offset - pos));
    out += r.replacement;
    pos = r.offset + r.length;
  }
  out.append(text.substr(pos));
  return out;
}

std::string FormatError(const absl::Status& status, std::string_view source,
                        const std::vector<Redaction>& redactions) {
  const std::vector<Redaction> hidden = Normalize(redactions, source.size());
  std::string out(status.message());
  std::optional<SourceSpan> span = ErrorSpan(status);
  if (!span || span->offset > source.size()) return out;
  HideQuotedToken(source, *span, hidden, &out);

  // The line that holds the span's start.
  const size_t offset = span->offset;
  size_t line_start =
      offset == 0 ? std::string_view::npos : source.rfind('\n', offset - 1);
  line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
  size_t line_end = source.find('\n', offset);
  if (line_end == std::string_view::npos) line_end = source.size();

  // The line as shown, with the redactions that reach into it applied.
  std::string line;
  std::vector<Piece> pieces;
  size_t pos = line_start;
  auto copy_to = [&](size_t end) {
    if (end <= pos) return;
    pieces.push_back({pos, end, line.size(), line.size() + (end - pos), false});
    line.append(source.substr(pos, end - pos));
    pos = end;
  };
  for (const Redaction& r : hidden) {
    const size_t r_end = r.offset + r.length;
    if (r_end <= line_start || r.offset >= line_end) continue;
    copy_to(std::max<size_t>(r.offset, line_start));
    const size_t end = std::min(r_end, line_end);
    pieces.push_back(
        {pos, end, line.size(), line.size() + r.replacement.size(), true});
    line += r.replacement;
    pos = end;
  }
  copy_to(line_end);

  const size_t span_end =
      std::min<size_t>(line_end, offset + std::max<uint32_t>(span->length, 1));
  const size_t caret_begin = ShownOffset(pieces, offset, false);
  const size_t caret_end =
      std::max(caret_begin + 1, ShownOffset(pieces, span_end, true));

  // Very long lines are cut around the span so the caret stays readable,
  // never inside a UTF-8 sequence.
  constexpr size_t kMaxLine = 160;
  size_t begin = 0;
  size_t end = line.size();
  if (line.size() > kMaxLine) {
    begin = caret_begin > kMaxLine / 2 ? caret_begin - kMaxLine / 2 : 0;
    while (begin > 0 && IsContinuation(line[begin])) --begin;
    end = std::min(line.size(), begin + kMaxLine);
    while (end < line.size() && IsContinuation(line[end])) --end;
  }
  const std::string_view prefix = begin > 0 ? "..." : "";
  const std::string_view suffix = end < line.size() ? "..." : "";

  // The caret line pads one space per character (not per byte) so it lines
  // up under UTF-8 text, and keeps tabs so it lines up under them too.
  std::string caret(prefix.size(), ' ');
  for (size_t i = begin; i < caret_begin && i < end; ++i) {
    if (IsContinuation(line[i])) continue;
    caret.push_back(line[i] == '\t' ? '\t' : ' ');
  }
  caret.push_back('^');
  for (size_t i = caret_begin + 1; i < std::min(caret_end, end); ++i) {
    if (!IsContinuation(line[i])) caret.push_back('~');
  }
  out += fmt::format("\n{}{}{}\n{}", prefix,
                     std::string_view(line).substr(begin, end - begin), suffix,
                     caret);
  return out;
}

}  // namespace weir
