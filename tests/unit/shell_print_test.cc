// What weir prints and stores: the shell's history file and error excerpts
// never show a secret option value. Expected output is written by hand from
// the rules in docs/user-guide.md.
#define BOOST_TEST_MODULE shell_print_test
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "tests/unit/run_weir.h"

namespace weir::cli {
namespace {

using testing::ReadFile;
using testing::RunWeir;
using testing::RunWeirOnTerminal;
using testing::WeirRun;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---------------------------------------------------------------------------
// The weir binary.

BOOST_AUTO_TEST_SUITE(binary)

BOOST_AUTO_TEST_CASE(an_error_excerpt_hides_the_secret) {
  WeirRun r = RunWeir(
      {"-e",
       "CREATE TABLE o (id INT) WITH (connector = 'mysql-cdc', password = "
       "'hunter2', tabel = 'orders');"});
  BOOST_TEST(r.exit_code == 1);
  // 'tabel' is at byte 77; '***' is 4 bytes shorter than 'hunter2', so the
  // caret stands after 73 blanks.
  BOOST_TEST(r.err ==
             "Error: line 1:78: unknown option 'tabel' for connector "
             "'mysql-cdc'; did you mean 'table'?\n"
             "CREATE TABLE o (id INT) WITH (connector = 'mysql-cdc', password "
             "= '***', tabel = 'orders');\n" +
                 std::string(73, ' ') + "^~~~~\n");
  BOOST_TEST(!Contains(r.out + r.err, "hunter2"));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// The interactive shell, on a pseudo terminal.

BOOST_AUTO_TEST_SUITE(shell)

BOOST_AUTO_TEST_CASE(history_file_never_holds_a_secret) {
  const std::string home = testing::MakeTempDir();
  const std::string history = home + "/.weir_history";
  // A secret that an older weir left in the history (libedit's format:
  // a header line, then one entry per line with blanks as \040).
  std::ofstream(history) << "_HiStOrY_V2_\n"
                            "SET\\040'sasl.password'\\040=\\040'oldsecret';\n"
                            "SHOW\\040STREAMS;\n";
  WeirRun r = RunWeirOnTerminal(
      {},
      {"SET 'properties.sasl.password' = 'hunter2';",
       "CREATE TABLE o (id INT PRIMARY KEY) WITH (connector = 'mysql-cdc',",
       "  host = 'db', user = 'weir', password = 's3cret',",
       "  database = 'shop', table = 'orders');", "exit"},
      {"HOME=" + home, "TERM=dumb"});
  const std::string saved = ReadFile(history);
  std::system(("rm -rf '" + home + "'").c_str());
  BOOST_TEST(r.exit_code == 0);
  // The statements ran with their secrets.
  BOOST_TEST(Contains(r.out, "Created table 'o'."));
  // The history holds each statement on one line, its secret masked, and
  // the old entry masked too.
  BOOST_TEST(saved ==
             "_HiStOrY_V2_\n"
             "SET\\040'sasl.password'\\040=\\040'***';\n"
             "SHOW\\040STREAMS;\n"
             "SET\\040'properties.sasl.password'\\040=\\040'***';\n"
             "CREATE\\040TABLE\\040o\\040(id\\040INT\\040PRIMARY\\040KEY)"
             "\\040WITH\\040(connector\\040=\\040'mysql-cdc',\\040\\040\\040"
             "host\\040=\\040'db',\\040user\\040=\\040'weir',\\040password"
             "\\040=\\040'***',\\040\\040\\040database\\040=\\040'shop',"
             "\\040table\\040=\\040'orders');\n");
  for (const char* secret : {"hunter2", "s3cret", "oldsecret"}) {
    BOOST_TEST(!Contains(saved, secret), secret);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace weir::cli
