// Several transformers starting at once against a new warehouse: every migration is applied
// exactly once (the migrator's advisory lock), none fails, and all of them end up current.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "common/config/build_info.hpp"
#include "common/pg/migrator.hpp"
#include "integration_env.hpp"

namespace analytics::testing {
namespace {

TEST(MigrationsTest, FourMigratorsStartingTogetherApplyEachMigrationOnce) {
  IntegrationEnv env;
  ASSERT_TRUE(load_integration_env(env)) << "environment missing";
  const std::string name = unique_name("mig");
  const std::string url = create_database(env, name);
  const std::string dir = config::source_path("services/transformer/migrations");
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    files += e.path().extension() == ".sql";
  }
  ASSERT_GE(files, 7u);

  constexpr int kMigrators = 4;
  std::vector<std::vector<std::string>> applied(kMigrators);
  std::vector<std::string> errors(kMigrators);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kMigrators; ++i) {
    threads.emplace_back([&, i] {
      ++ready;
      while (ready < kMigrators) std::this_thread::yield();  // start together
      try {
        applied[i] = pg::apply_migrations(url, dir);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();

  std::map<std::string, int> times_applied;
  for (int i = 0; i < kMigrators; ++i) {
    EXPECT_EQ(errors[i], "") << "migrator " << i;
    for (const auto& version : applied[i]) ++times_applied[version];
  }
  EXPECT_EQ(times_applied.size(), files);
  for (const auto& [version, times] : times_applied) EXPECT_EQ(times, 1) << version;
  EXPECT_EQ(query_scalar(url, "SELECT count(*) FROM ops.schema_migrations"),
            std::to_string(files));
  // A later start finds nothing to do.
  EXPECT_TRUE(pg::apply_migrations(url, dir).empty());
  drop_database(env, name);
}

}  // namespace
}  // namespace analytics::testing
