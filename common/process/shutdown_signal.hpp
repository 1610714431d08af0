#pragma once

namespace analytics::process {

/// Blocks SIGINT and SIGTERM in the calling thread and every thread started after this call.
/// Call first thing in main(), before any library starts threads, so that signals are only
/// ever consumed by wait_for_shutdown_signal().
void block_shutdown_signals();

/// Waits until SIGINT or SIGTERM arrives; returns the signal number.
int wait_for_shutdown_signal();

/// Waits for SIGINT/SIGTERM for at most `timeout_ms`; returns the signal or 0 on timeout.
int wait_for_shutdown_signal(int timeout_ms);

}  // namespace analytics::process
