#pragma once

// Errors that point into the statement text. The position travels as a
// payload on the absl::Status, so any module can return one and the shell
// renders it with the offending line and a caret under the token.

#include <optional>
#include <string>
#include <string_view>

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

/// Renders `status` for a user: its message, then, when it carries a span
/// into `source`, the source line and a caret line (`^~~~`) under the span.
/// Example:
///   line 1:17: unknown column 'pricee'
///   SELECT auction, pricee FROM bids;
///                   ^~~~~~
std::string FormatError(const absl::Status& status, std::string_view source);

}  // namespace weir
