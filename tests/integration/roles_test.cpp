// Least privilege in the warehouse (migrations 011, 012), checked on a real PostgreSQL: what
// each role may do, and above all what it may not. The transformer's own role, pipeline_writer,
// writes rows and owns nothing; raw PII (bronze) is readable by it alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <pqxx/pqxx>
#include <string>

#include "common/config/build_info.hpp"
#include "common/pg/migrator.hpp"
#include "integration_env.hpp"

namespace analytics::testing {
namespace {

constexpr const char* kInsufficientPrivilege = "42501";
constexpr const char* kReadOnlyTransaction = "25006";

class RolesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(load_integration_env(env_)) << "environment missing";
    name_ = unique_name("roles");
    url_ = create_database(env_, name_);
    pg::apply_migrations(url_, config::source_path("services/transformer/migrations"));
  }
  void TearDown() override {
    if (!name_.empty()) drop_database(env_, name_);
  }

  /// The SQLSTATE `sql` (statements separated by ";") fails with as `role`, or "" when it
  /// succeeds.
  std::string sqlstate_as(const std::string& role, const std::string& sql) {
    pqxx::connection conn(url_with_user(url_, role));
    try {
      pqxx::work tx(conn);
      for (size_t start = 0; start < sql.size();) {
        size_t end = std::min(sql.find(';', start), sql.size());
        tx.exec_params(sql.substr(start, end - start));
        start = end + 1;
      }
      tx.commit();
      return "";
    } catch (const pqxx::insufficient_privilege&) {
      return kInsufficientPrivilege;  // libpqxx 6.4 leaves this class's sqlstate() empty
    } catch (const pqxx::sql_error& e) {
      if (e.sqlstate().empty()) ADD_FAILURE() << "no sqlstate: " << e.what();
      return e.sqlstate();
    }
  }

  void expect_refused(const std::string& role, const std::string& sql,
                      const std::string& state = kInsufficientPrivilege) {
    EXPECT_EQ(sqlstate_as(role, sql), state) << role << " may: " << sql;
  }
  void expect_allowed(const std::string& role, const std::string& sql) {
    EXPECT_EQ(sqlstate_as(role, sql), "") << role << " may not: " << sql;
  }

  void admin(const std::string& sql) {
    pqxx::connection conn(url_);
    pqxx::nontransaction(conn).exec(sql);
  }

  IntegrationEnv env_;
  std::string name_, url_;
};

TEST_F(RolesTest, PipelineWriterWritesRowsButChangesNoSchema) {
  const std::string writer = "pipeline_writer";
  expect_allowed(writer, "SELECT count(*) FROM bronze.events");
  expect_allowed(writer, "SELECT count(*) FROM silver.orders");
  expect_allowed(writer, "DELETE FROM gold.fact_orders WHERE false");
  // A new day's partition: through the SECURITY DEFINER function, the one schema change it has.
  expect_allowed(writer, "SELECT ops.ensure_bronze_partitions(date '2031-03-04', 1)");
  EXPECT_EQ(query_scalar(url_, "SELECT to_regclass('bronze.events_p20310304') IS NOT NULL"), "t");
  expect_allowed(writer, "SELECT count(*) FROM ops.drop_bronze_partitions_before(date '2000-01-01')");

  for (const char* schema : {"bronze", "silver", "gold", "ops", "public"}) {
    expect_refused(writer, std::string("CREATE TABLE ") + schema + ".intruder (x int)");
  }
  expect_refused(writer, "CREATE SCHEMA intruder");
  expect_refused(writer, "DROP TABLE silver.orders");
  expect_refused(writer, "ALTER TABLE silver.orders ADD COLUMN x int");
  expect_refused(writer, "TRUNCATE silver.orders");
  expect_refused(writer, "CREATE TABLE bronze.events_p20310305 PARTITION OF bronze.events "
                         "FOR VALUES FROM ('2031-03-05') TO ('2031-03-06')");
  expect_refused(writer, "CREATE ROLE intruder");
  expect_refused(writer, "ALTER ROLE kpi_reader PASSWORD 'x'");
  EXPECT_EQ(query_scalar(url_, "SELECT rolsuper OR rolcreaterole OR rolcreatedb "
                               "FROM pg_roles WHERE rolname = 'pipeline_writer'"),
            "f");
}

TEST_F(RolesTest, RawPiiInBronzeAndSilverIsOutOfReadersReach) {
  for (const char* reader : {"kpi_reader", "bi_reader"}) {
    expect_refused(reader, "SELECT count(*) FROM bronze.events");
    expect_refused(reader, "SELECT count(*) FROM silver.orders");
    expect_refused(reader, "SELECT count(*) FROM silver.quarantine");
    expect_refused(reader, "SELECT ops.ensure_bronze_partitions(date '2031-03-04', 1)");
    expect_allowed(reader, "SELECT count(*) FROM gold.fact_orders");
    // Read-only sessions, and no write right even when a session asks for one.
    expect_refused(reader, "DELETE FROM gold.fact_orders WHERE false", kReadOnlyTransaction);
    expect_refused(reader, "SET TRANSACTION READ WRITE; DELETE FROM gold.fact_orders WHERE false");
    expect_refused(reader, "CREATE TABLE gold.intruder (x int)", kReadOnlyTransaction);
  }
  // kpi-api reads the pipeline's own tables (ops); BI tools read gold alone.
  expect_allowed("kpi_reader", "SELECT count(*) FROM ops.kafka_offsets");
  expect_allowed("kpi_reader", "SELECT count(*) FROM ops.vw_dead_letters");
  expect_refused("bi_reader", "SELECT count(*) FROM ops.kafka_offsets");
  expect_refused("bi_reader", "SELECT count(*) FROM ops.vw_dead_letters");
}

TEST_F(RolesTest, ANewLoginRoleGetsNothing) {
  // Roles are cluster-wide: create one per test database, and drop it with the test.
  const std::string role = name_ + "_nobody";
  admin("CREATE ROLE " + role + " LOGIN");
  for (const char* sql : {"SELECT count(*) FROM bronze.events", "SELECT count(*) FROM gold.fact_orders",
                          "SELECT count(*) FROM ops.kafka_offsets",
                          "SELECT ops.ensure_bronze_partitions(date '2031-03-04', 1)",
                          "CREATE TABLE public.intruder (x int)"}) {
    expect_refused(role, sql);
  }
  admin("DROP OWNED BY " + role + "; DROP ROLE " + role);
}

}  // namespace
}  // namespace analytics::testing
