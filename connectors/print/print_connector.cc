#include "connectors/print/print_connector.h"

namespace weir::connectors::print {

std::unique_ptr<catalog::Connector> NewPrintConnector() {
  catalog::ConnectorInfo info;
  info.name = "print";
  info.display_name = "print";
  info.sink = true;
  info.options.options = {catalog::OptionSpec::String("prefix")};
  return std::make_unique<catalog::Connector>(std::move(info));
}

}  // namespace weir::connectors::print
