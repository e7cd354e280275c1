#pragma once

// Draws result tables as ASCII boxes, MySQL style:
//
//   +------+-------+
//   | name | kind  |
//   +------+-------+
//   | bids | kafka |
//   +------+-------+
//
// Widths are measured in terminal columns (UTF-8 aware: combining marks take
// none, East Asian wide characters and emoji take two). When the table is
// wider than the limit, the widest columns are narrowed and long cells are
// cut with '…'.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace weir::cli {

/// `text` shown visibly on one line, so that a value prints whole and
/// cannot break a table or a row of cells (as psql shows control
/// characters): a newline, tab and carriage return become \n, \t and \r;
/// other control characters (0x00-0x1F, 0x7F) and bytes that are not valid
/// UTF-8 become \xHH (NUL is \x00); C1 control characters (U+0080-U+009F)
/// become \uHHHH; the column separator '|' becomes \|. Everything else,
/// a backslash included, is kept as is (so a BYTES value keeps its \x...
/// form).
std::string EscapeCell(std::string_view text);

/// Appends EscapeCell(text) to `out`. Text that needs no escape (plain
/// ASCII without control characters or '|', the common case) is copied in
/// one piece; allocates nothing once `out` has grown.
void AppendEscapedCell(std::string_view text, std::string* out);

/// True when `text` prints as it is: plain ASCII without control
/// characters or '|', so EscapeCell(text) == text (checked 16 bytes at a
/// time; a batch's column of such values is printed without a copy).
bool IsPlainCell(std::string_view text);

/// The number of terminal columns `text` (UTF-8) takes. Invalid bytes count
/// as one column each.
size_t DisplayWidth(std::string_view text);

/// `text` cut to at most `width` columns, ending in '…' when it was cut.
/// A `width` of 0 gives "".
std::string Truncate(std::string_view text, size_t width);

/// The table with `columns` as headers. `max_width` is the widest line
/// allowed, in columns; 0 means no limit. Each column keeps at least
/// min(3, its natural width) columns, so a very narrow limit may still be
/// exceeded. Headers and cells are shown through EscapeCell. Every line,
/// the last included, ends in '\n'.
std::string FormatTable(const std::vector<std::string>& columns,
                        const std::vector<std::vector<std::string>>& rows,
                        size_t max_width = 0);

/// The width tables written to `fd` should fit. When `fd` is a terminal:
/// $COLUMNS when set to a positive number, else the terminal's width
/// (TIOCGWINSZ). Otherwise 0, no limit: output to a file or pipe is never
/// cut.
size_t TerminalWidth(int fd);

}  // namespace weir::cli
