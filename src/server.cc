#include "server.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "platform.h"

namespace rustc_shim {
namespace {

constexpr int64_t kLeaseMillis = 60'000;

// A clock set back may leave a record that looks written in the future; more
// than this much ahead, it vouches for nothing.
constexpr int64_t kClockSlackMillis = 1'000;

// Numbers go through std::to_string: see the note in shim.cc.
std::string Seconds(int64_t millis) { return absl::StrCat(std::to_string(millis / 1000), " s"); }

}  // namespace

int64_t LeaseMillis(std::optional<absl::string_view> idle_timeout) {
  if (!idle_timeout || idle_timeout->empty() || idle_timeout->size() > 9) return kLeaseMillis;
  int64_t seconds = 0;
  for (char c : *idle_timeout) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return kLeaseMillis;
    seconds = seconds * 10 + (c - '0');
  }
  if (seconds == 0 || seconds * 1000 >= 2 * kLeaseMillis) return kLeaseMillis;
  return seconds * 1000 / 2;
}

std::string RecordName(absl::string_view key) {
  // FNV-1a: stable across runs and machines, unlike absl::Hash.
  uint64_t hash = 0xcbf29ce484222325u;
  for (unsigned char c : key) {
    hash ^= c;
    hash *= 0x100000001b3u;
  }
  std::string name = "sccache-0123456789abcdef";
  for (size_t i = name.size(); i-- > name.size() - 16; hash >>= 4) {
    name[i] = "0123456789abcdef"[hash & 0xf];
  }
  return name;
}

namespace {

// SCCACHE_* entries sorted: cargo hands its children an environment sorted by
// name, a shell keeps its own order, and one configuration must give one key.
std::vector<absl::string_view> SccacheEntries() {
  std::vector<absl::string_view> entries = EnvEntries("SCCACHE_");
  std::sort(entries.begin(), entries.end());
  return entries;
}

}  // namespace

ServerCheck CheckServer(const std::string& sccache) {
  ServerCheck check;
  check.sccache = sccache;
  check.lease_millis = LeaseMillis(GetEnv("SCCACHE_IDLE_TIMEOUT"));
  std::optional<std::string> version = FileVersion(sccache);
  std::optional<std::string> dir = StateDirectory(false);
  if (!version || !dir) return check;
  // sccache's configuration: where its server listens, how it starts, what
  // it caches in. Any change, and the lease no longer applies.
  check.key = absl::StrCat("sccache ", sccache, "\nversion ", *version,
                           "\nTMPDIR=", GetEnv("TMPDIR").value_or(""), "\n");
  for (absl::string_view entry : SccacheEntries()) absl::StrAppend(&check.key, entry, "\n");
  check.age_millis = OwnFileAgeMillis(JoinPath(*dir, RecordName(check.key)));
  check.seen_working = check.age_millis && *check.age_millis >= -kClockSlackMillis &&
                       *check.age_millis < check.lease_millis;
  return check;
}

std::string ServerWhy(const ServerCheck& check) {
  if (check.seen_working) {
    return absl::StrCat("a compile through this sccache succeeded ", Seconds(*check.age_millis),
                        " ago; sccache runs in place of the shim (for ",
                        Seconds(check.lease_millis), " after a success)");
  }
  return absl::StrCat("no compile through this sccache succeeded in the last ",
                      Seconds(check.lease_millis),
                      "; sccache runs as a child, so that its failure falls back to the compiler");
}

void RememberServer(const ServerCheck& check) {
  if (check.key.empty()) return;
  std::optional<std::string> dir = StateDirectory(true);
  if (!dir) return;
  // The record names the variables but holds none of their values: some
  // carry credentials (a Redis URL, a storage key).
  std::string record = absl::StrCat("sccache ", check.sccache, "\nversion ",
                                    FileVersion(check.sccache).value_or("?"),
                                    "\nconfiguration TMPDIR");
  for (absl::string_view entry : SccacheEntries()) {
    absl::StrAppend(&record, " ", entry.substr(0, entry.find('=')));
  }
  record.push_back('\n');
  WriteFileAtomically(JoinPath(*dir, RecordName(check.key)), record);
}

}  // namespace rustc_shim
