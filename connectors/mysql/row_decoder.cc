#include "connectors/mysql/row_decoder.h"

#include <utility>

namespace weir::connectors::mysql {

std::vector<ColumnTarget> TargetsFor(const TableSchema& schema) {
  std::vector<ColumnTarget> targets;
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    targets.push_back({schema.columns[i].ordinal, schema.columns[i],
                       schema.schema.field(i).type});
  }
  return targets;
}

RowDecoder::RowDecoder(TableMapEvent map, std::vector<ColumnTarget> targets,
                       RowDecoderOptions options)
    : map_(std::move(map)), targets_(std::move(targets)), options_(options) {}

absl::Status RowDecoder::Validate() const { return absl::OkStatus(); }

absl::Status RowDecoder::Decode(const RowsEvent&, types::Batch*) {
  return absl::UnimplementedError("row decoding is not implemented yet");
}

}  // namespace weir::connectors::mysql
