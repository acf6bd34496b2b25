// Whether sccache has just been seen working, so that the cache route may run
// sccache in place of the shim instead of as a child it waits for.
//
// The shim waits for sccache only to catch sccache failing before it compiles,
// and sccache fails that way when its server cannot be reached or started:
// something else holds its port, or the server cannot start at all. A server
// starts at the first compile after it has been idle for SCCACHE_IDLE_TIMEOUT
// (600 s unless set), and every request keeps it alive. So a compile that
// succeeded moments ago through this sccache, configured the same way, vouches
// for its server for a while: within that lease the server is up unless
// someone stopped it (and then the same sccache in the same configuration
// starts it again), exec is safe, and a spawn and wait would only cost time.
// The lease is kept well inside the idle timeout, so a compile that has to
// start a server after it idled out is always waited for.
#ifndef RUSTC_SHIM_SERVER_H_
#define RUSTC_SHIM_SERVER_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace rustc_shim {

// How long, in milliseconds, a successful compile vouches for sccache's server,
// given SCCACHE_IDLE_TIMEOUT's value: 60 s, or half the idle timeout when that
// is shorter than 120 s (0 means the server never idles out).
int64_t LeaseMillis(std::optional<absl::string_view> idle_timeout);

// The file name, in the shim's state directory, of the record for `key` (the
// sccache and its configuration): "sccache-" and 16 hex digits.
std::string RecordName(absl::string_view key);

// What CheckServer found. It builds no text: this runs on every cached compile.
struct ServerCheck {
  bool seen_working = false;  // exec sccache: a compile through it just succeeded
  std::string sccache;        // the sccache checked
  std::string key;            // the sccache, its version, its configuration
  std::optional<int64_t> age_millis;  // since the last recorded success
  int64_t lease_millis = 0;
};

// Looks, with two stat calls and no contact with the server, whether a compile
// through `sccache`, configured as this environment configures it (TMPDIR and
// every SCCACHE_* variable), succeeded within the lease.
ServerCheck CheckServer(const std::string& sccache);

// One line for the log, --explain and --doctor: what `check` found and how
// sccache runs because of it.
std::string ServerWhy(const ServerCheck& check);

// Records that a compile through the sccache of `check` just succeeded,
// starting a new lease. Failures to record are ignored.
void RememberServer(const ServerCheck& check);

}  // namespace rustc_shim

#endif  // RUSTC_SHIM_SERVER_H_
