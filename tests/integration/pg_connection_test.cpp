// Connections that common/pg opens are closed when dropped: their server backends end. Found by
// LeakSanitizer (scripts/sanitize.sh): pg::connect handed out a pqxx::connection owned through
// a pointer to its base, whose destructor is not virtual, so no connection was ever closed — the
// migrator's, the startup role checks', and every one the kpi-api pool replaced or discarded
// stayed open on the server until the process exited.
#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <string>

#include "common/config/build_info.hpp"
#include "common/pg/connection_pool.hpp"
#include "common/pg/db_error.hpp"
#include "common/pg/migrator.hpp"
#include "integration_env.hpp"

namespace analytics::testing {
namespace {

class PgConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(load_integration_env(env_)) << "environment missing";
    name_ = unique_name("pgconn");
    url_ = create_database(env_, name_);
  }
  void TearDown() override {
    if (!name_.empty()) drop_database(env_, name_);
  }

  /// Backends connected to this test's database, once the count settles at `expected` (or the
  /// last count after 5 s): a closed connection's backend ends shortly after the client leaves.
  std::string backends(const std::string& expected) {
    return wait_for_scalar(env_.admin_database_url,
                           "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + name_ + "'",
                           expected, 5000);
  }

  IntegrationEnv env_;
  std::string name_, url_;
};

TEST_F(PgConnectionTest, ADroppedConnectionEndsItsBackend) {
  {
    pg::Connection conn = pg::connect(url_);
    pqxx::nontransaction(*conn).exec("SELECT 1");
    EXPECT_EQ(backends("1"), "1");
  }
  EXPECT_EQ(backends("0"), "0");
}

TEST_F(PgConnectionTest, ThePoolClosesWhatItDiscardsAndWhatItHoldsWhenDestroyed) {
  {
    pg::ConnectionPool pool(url_, 2);
    {
      auto a = pool.acquire();
      auto b = pool.acquire();
      pqxx::nontransaction(*a).exec("SELECT 1");
      pqxx::nontransaction(*b).exec("SELECT 1");
    }
    EXPECT_EQ(backends("2"), "2");  // idle in the pool
    pool.discard_idle();
    EXPECT_EQ(backends("0"), "0");
    pool.run_read(
        [](pqxx::connection_base& c) { return pqxx::nontransaction(c).exec("SELECT 1"); });
    EXPECT_EQ(backends("1"), "1");
  }
  EXPECT_EQ(backends("0"), "0");
}

TEST_F(PgConnectionTest, MigrationsLeaveNoConnectionBehind) {
  pg::apply_migrations(url_, config::source_path("services/transformer/migrations"));
  EXPECT_EQ(backends("0"), "0");
}

}  // namespace
}  // namespace analytics::testing
