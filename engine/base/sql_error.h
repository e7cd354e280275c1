#pragma once

// Errors that point into the statement text. The position travels as a
// payload on the absl::Status, so any module can return one and the shell
// renders it with the offending line and a caret under the token.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "engine/base/source_span.h"

namespace weir {

/// An InvalidArgument status whose message is prefixed with "line L:C: " and
/// which carries `span` for FormatError.
absl::Status SqlError(const SourceSpan& span, std::string_view message);

/// Same, with another status code (e.g. NotFound, Unimplemented).
absl::Status SqlError(absl::StatusCode code, const SourceSpan& span,
                      std::string_view message);

/// The span attached by SqlError, if any.
std::optional<SourceSpan> ErrorSpan(const absl::Status& status);

/// A stretch of text to show as `replacement` (a secret option value shown
/// as '***'): `length` bytes from byte `offset`.
struct Redaction {
  uint32_t offset = 0;
  uint32_t length = 0;
  std::string replacement;
};

/// `text` with each redaction's bytes replaced. Redactions may come in any
/// order; overlapping ones and parts past the end of `text` are merged or
/// cut, so every byte they cover is hidden.
std::string Redact(std::string_view text, std::vector<Redaction> redactions);

/// Renders `status` for a user: its message, then, when it carries a span
/// into `source`, the source line and a caret line (`^~~~`) under the span.
/// Example:
///   line 1:17: unknown column 'pricee'
///   SELECT auction, pricee FROM bids;
///                   ^~~~~~
/// A line longer than 160 bytes is cut around the span at character
/// boundaries, and "..." marks each cut end. The source line is shown with
/// `redactions` applied, the caret still under the span (under the whole
/// replacement when the span starts inside one). When the span lies on
/// redacted text, the message's quotes of that token are hidden too.
std::string FormatError(const absl::Status& status, std::string_view source,
                        const std::vector<Redaction>& redactions = {});

}  // namespace weir
