#pragma once

// Secret option values in SQL text, found and hidden wherever a statement is
// shown or stored (the shell's history, error excerpts, the statement text a
// session keeps for SHOW QUERIES and --echo).
//
// A value is secret when its key is, as catalog::IsSecretOption decides
// (password, *.password, *secret*, ssl.key.*, sasl.jaas.config, ...), in the
// two places where SQL gives an option a value:
//
//   CREATE ... WITH (key = value, ...)      also CREATE SINK ... WITH (...)
//   SET key = value
//
// The key may be a dotted name (properties.sasl.password), a string
// ('properties.sasl.password') or a quoted identifier ("password"); the
// value is everything from '=' to the ',' or ')' that ends the option (or
// the end of the SET statement): a string with any escapes, a number, a bare
// word, or whatever malformed tokens stand there. The text is split by
// Weir's own lexer, so quotes, comments and escapes are read as the parser
// reads them: `password = 'a'';b'` is one value, and a key inside a string
// or comment (`SELECT 'password = 1'`) is not an option. Each value becomes
// '***', quotes included, so the masked statement still parses. Any bytes
// are accepted, invalid UTF-8 included; the functions never fail.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "engine/base/sql_error.h"

namespace weir::sql {

/// What a secret value is shown as.
inline constexpr std::string_view kMaskedValue = "'***'";

/// The secret option values in `sql`, as byte ranges to replace with
/// kMaskedValue, in order of position.
std::vector<Redaction> FindSecretValues(std::string_view sql);

/// `sql` with every secret option value replaced by '***'; the rest of the
/// text (spacing, comments, case) is kept byte for byte.
std::string MaskSecrets(std::string_view sql);

/// FormatError(status, sql) with the secret values of `sql` hidden in the
/// echoed source line (the caret still under the offending token) and in
/// the message.
std::string FormatErrorMasked(const absl::Status& status, std::string_view sql);

}  // namespace weir::sql
