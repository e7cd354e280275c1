#include "connectors/mysql/mysql_json.h"

namespace weir::connectors::mysql {

absl::StatusOr<std::string> MySqlJsonToText(std::span<const uint8_t> binary) {
  if (binary.empty()) return std::string("null");
  return absl::UnimplementedError("MySQL binary JSON is not decoded yet");
}

}  // namespace weir::connectors::mysql
