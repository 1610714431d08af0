#include "common/pg/connection_pool.hpp"

#include <chrono>
#include <pqxx/pqxx>

#include "common/pg/db_error.hpp"

namespace analytics::pg {

ConnectionPool::ConnectionPool(std::string url, size_t size, std::string session_sql)
    : url_(std::move(url)), session_sql_(std::move(session_sql)), available_(size) {}

ConnectionPool::~ConnectionPool() = default;

ConnectionPool::Lease::Lease(ConnectionPool& pool, Connection conn, bool reused)
    : pool_(&pool), conn_(std::move(conn)), reused_(reused) {}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), conn_(std::move(other.conn_)), reused_(other.reused_) {
  other.pool_ = nullptr;
}

ConnectionPool::Lease::~Lease() {
  if (pool_) pool_->release(std::move(conn_));
}

ConnectionPool::Lease ConnectionPool::acquire(int wait_ms) {
  Connection conn;
  {
    std::unique_lock lock(mu_);
    // A hung database must not hold every HTTP worker forever (health checks included).
    if (!cv_.wait_for(lock, std::chrono::milliseconds(wait_ms),
                      [this] { return available_ > 0; })) {
      throw DbError("no free database connection within " + std::to_string(wait_ms) + " ms", "",
                    true);
    }
    --available_;
    if (!idle_.empty()) {
      conn = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  bool reused = conn && conn->is_open();
  try {
    if (!reused) {
      conn = connect(url_);
      if (!session_sql_.empty()) guarded([&] { pqxx::nontransaction(*conn).exec(session_sql_); });
    }
  } catch (...) {
    release(nullptr);
    throw;
  }
  return Lease(*this, std::move(conn), reused);
}

void ConnectionPool::discard_idle() {
  std::vector<Connection> closing;
  {
    std::lock_guard lock(mu_);
    closing.swap(idle_);
  }
  // Closed outside the lock; the slots stay available and open a connection when next used.
}

void ConnectionPool::release(Connection conn) {
  std::lock_guard lock(mu_);
  // A connection left inside a failed transaction or broken is simply not kept.
  if (conn && conn->is_open()) idle_.push_back(std::move(conn));
  ++available_;
  cv_.notify_one();
}

}  // namespace analytics::pg
