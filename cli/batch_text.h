#pragma once

// The text of push-query rows, made a batch at a time: what `weir` prints
// for each result row of SELECT ... EMIT CHANGES (one line per row, cells
// separated by " | ").

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/types/batch.h"

namespace weir::cli {

/// Appends the lines of whole result batches to a buffer, column by
/// column: each column's cells are made in one loop of its own type
/// (numbers and times written in place, a VARCHAR column of plain ASCII
/// taken as it is, without a copy), then the lines are put together in one
/// pass. Keeps its buffers from batch to batch; not thread-safe.
class BatchTextWriter {
 public:
  /// One line per row of `batch` (its selection, if any, is ignored:
  /// every physical row): the row's change kind (ChangeKindSymbol) first
  /// when `changelog`, then each cell's text as Column::AppendCellText
  /// spells it (NULL as "NULL"), escaped as EscapeCell does, separated by
  /// " | ", and '\n'. The text is in the writer's buffer (never zeroed
  /// first: the lines are written straight into it), valid until the next
  /// call.
  std::string_view Format(const types::Batch& batch, bool changelog);

 private:
  /// One column's cells, back to back: cell r is
  /// [ends[r - 1] (0 for r = 0), ends[r]) of `data`.
  struct ColumnText {
    const char* data = nullptr;  // `owned`, or the column's own bytes
    std::string owned;
    std::vector<size_t> ends;
  };

  void MakeColumnText(const types::Column& column, size_t rows,
                      ColumnText* text);

  std::vector<ColumnText> columns_;
  std::string scratch_;
  std::unique_ptr<char[]> lines_;  // Format's result
  size_t lines_capacity_ = 0;
};

}  // namespace weir::cli
