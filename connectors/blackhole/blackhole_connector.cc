#include "connectors/blackhole/blackhole_connector.h"

namespace weir::connectors::blackhole {

std::unique_ptr<catalog::Connector> NewBlackholeConnector() {
  catalog::ConnectorInfo info;
  info.name = "blackhole";
  info.display_name = "blackhole";
  info.sink = true;
  return std::make_unique<catalog::Connector>(std::move(info));
}

}  // namespace weir::connectors::blackhole
