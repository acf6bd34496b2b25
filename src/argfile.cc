#include "argfile.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace rustc_shim {
namespace {

// Mirrors rustc's eager look at -Z options while expanding: only the exact
// spelling `shell-argfiles` (as `-Zshell-argfiles` or `-Z shell-argfiles`)
// switches shell-style argfiles on, and it counts from where it stands.
class ShellArgfilesWatch {
 public:
  void See(absl::string_view arg) {
    if (!next_is_z_ && (arg.size() < 2 || arg[0] != '-' || arg[1] != 'Z')) return;
    if (next_is_z_) {
      next_is_z_ = false;
      Inspect(arg);
    } else if (absl::StartsWith(arg, "-Z")) {
      if (arg.size() == 2) {
        next_is_z_ = true;
      } else {
        Inspect(arg.substr(2));
      }
    }
  }
  bool on() const { return on_; }

 private:
  void Inspect(absl::string_view option) {
    if (option == "shell-argfiles") on_ = true;
  }
  bool next_is_z_ = false;
  bool on_ = false;
};

bool IsValidUtf8(absl::string_view s) {
  const size_t n = s.size();
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  while (i < n) {
    // Argfiles are nearly all ASCII: skip it eight bytes at a time.
    while (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, p + i, 8);
      if (word & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= n) break;
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len;
    unsigned int cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (int k = 1; k < len; ++k) {
      unsigned char cc = p[i + k];
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

}  // namespace

std::optional<std::vector<std::string>> ShellSplit(absl::string_view text) {
  std::vector<std::string> words;
  size_t i = 0;
  const size_t n = text.size();
  auto is_blank = [](char c) { return c == ' ' || c == '\t' || c == '\n'; };
  while (i < n) {
    while (i < n && is_blank(text[i])) ++i;
    if (i >= n) break;
    if (text[i] == '#') {  // a comment runs to the end of the line
      while (i < n && text[i] != '\n') ++i;
      continue;
    }
    std::string word;
    while (i < n && !is_blank(text[i])) {
      char c = text[i++];
      if (c == '\'') {
        size_t close = text.find('\'', i);
        if (close == absl::string_view::npos) return std::nullopt;
        word.append(text.data() + i, close - i);
        i = close + 1;
      } else if (c == '"') {
        for (;;) {
          if (i >= n) return std::nullopt;
          char d = text[i++];
          if (d == '"') break;
          if (d == '\\') {
            if (i >= n) return std::nullopt;
            char e = text[i];
            if (e == '$' || e == '`' || e == '"' || e == '\\') {
              word.push_back(e);
              ++i;
            } else if (e == '\n') {
              ++i;  // a line continuation inside quotes disappears
            } else {
              word.push_back('\\');
            }
          } else {
            word.push_back(d);
          }
        }
      } else if (c == '\\') {
        if (i >= n) return std::nullopt;
        char e = text[i++];
        if (e != '\n') word.push_back(e);
      } else {
        word.push_back(c);
      }
    }
    words.push_back(std::move(word));
  }
  return words;
}

Origin OriginOf(const Expanded& expanded, int index) {
  // Arguments not from a file map one to one, shifted by what files added.
  int shift = 0;
  for (const Segment& segment : expanded.segments) {
    if (index < segment.first) break;
    if (index < segment.first + segment.count) return {segment.arg, index - segment.first + 1};
    shift += segment.count - 1;
  }
  return {index - shift, 0};
}

Expanded ExpandArgfiles(absl::Span<const absl::string_view> args, const ReadFileFn& read_file) {
  Expanded out;
  // Nearly every command line has no argfile: it is its own expansion.
  if (std::none_of(args.begin(), args.end(),
                   [](absl::string_view a) { return !a.empty() && a[0] == '@'; })) {
    out.args.assign(args.begin(), args.end());
    return out;
  }
  out.args.reserve(args.size());
  ShellArgfilesWatch watch;
  auto push = [&](absl::string_view arg) {
    watch.See(arg);
    out.args.push_back(arg);
  };
  auto fail = [&](int from, std::string message) {
    if (!out.failed_arg) {
      out.failed_arg = from;
      out.error = std::move(message);
    }
    // The argument stays out of the list, as rustc would never see it; the
    // segment keeps the origins of later arguments right.
    out.segments.push_back({static_cast<int>(out.args.size()), 0, from});
  };

  for (int i = 0; i < static_cast<int>(args.size()); ++i) {
    absl::string_view arg = args[i];
    if (arg.empty() || arg[0] != '@') {
      push(arg);
      continue;
    }
    absl::string_view path = arg.substr(1);
    bool shell = false;
    if (watch.on() && absl::StartsWith(path, "shell:")) {
      path.remove_prefix(6);
      shell = true;
    }
    std::string path_string(path);
    ErrorOr<std::string> contents = read_file(path_string);
    if (!contents.ok()) {
      fail(i, absl::StrCat("cannot read argument file ", path_string, ": ", contents.error()));
      continue;
    }
    if (!IsValidUtf8(*contents)) {
      fail(i, absl::StrCat("argument file ", path_string, " is not UTF-8"));
      continue;
    }
    const std::string& text = out.storage.emplace_back(*std::move(contents));
    const int first = static_cast<int>(out.args.size());
    if (shell) {
      std::optional<std::vector<std::string>> words = ShellSplit(text);
      if (!words) {
        fail(i, absl::StrCat("argument file ", path_string, " has unbalanced shell quoting"));
        continue;
      }
      for (std::string& word : *words) push(out.storage.emplace_back(std::move(word)));
    } else {
      // Lines as Rust's str::lines() gives them: split at \n, drop one \r
      // before it, and no empty line after a final newline.
      const char* p = text.data();
      const char* const end = p + text.size();
      out.args.reserve(out.args.size() + static_cast<size_t>(std::count(p, end, '\n')) + 1 +
                       (args.size() - static_cast<size_t>(i)));
      while (p < end) {
        const char* nl =
            static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
        const char* stop = nl != nullptr ? nl : end;
        if (nl != nullptr && stop > p && stop[-1] == '\r') --stop;
        push(absl::string_view(p, static_cast<size_t>(stop - p)));
        p = nl != nullptr ? nl + 1 : end;
      }
    }
    out.segments.push_back({first, static_cast<int>(out.args.size()) - first, i, shell});
  }
  return out;
}

namespace {

// The length of the Unicode white space (Rust's char::is_whitespace: the
// White_Space property) that `s` starts with, else 0; and the same at its end.
size_t LeadingWhiteSpace(absl::string_view s) {
  if (s.empty()) return 0;
  const unsigned char c = static_cast<unsigned char>(s[0]);
  if (c == ' ' || (c >= 0x09 && c <= 0x0D)) return 1;
  // U+0085, U+00A0; U+1680; U+2000-200A, U+2028, U+2029, U+202F, U+205F; U+3000.
  for (absl::string_view w : {"\xC2\x85", "\xC2\xA0", "\xE1\x9A\x80", "\xE2\x80\xA8",
                              "\xE2\x80\xA9", "\xE2\x80\xAF", "\xE2\x81\x9F", "\xE3\x80\x80"}) {
    if (absl::StartsWith(s, w)) return w.size();
  }
  if (s.size() >= 3 && s.substr(0, 2) == "\xE2\x80" &&
      static_cast<unsigned char>(s[2]) >= 0x80 && static_cast<unsigned char>(s[2]) <= 0x8A) {
    return 3;
  }
  return 0;
}

constexpr absl::string_view kReadsOtherwise =
    ": sccache 0.17 and newer would read it otherwise than rustc";
constexpr absl::string_view kFailsExpanded =
    ": sccache 0.17 and newer would run rustc with it expanded, and fail (sccache #2815)";

bool EndsWithWhiteSpace(absl::string_view s) {
  for (size_t n = 1; n <= 3 && n <= s.size(); ++n) {
    if (LeadingWhiteSpace(s.substr(s.size() - n)) == n) return true;
  }
  return false;
}

}  // namespace

std::string SccacheReadsOtherwise(const Expanded& expanded,
                                  absl::Span<const absl::string_view> raw_args) {
  for (const Segment& segment : expanded.segments) {
    absl::string_view file = raw_args[segment.arg];
    if (segment.shell) {
      return absl::StrCat("argument file ", file, " is split shell-style", kReadsOtherwise);
    }
    for (int i = 0; i < segment.count; ++i) {
      absl::string_view line = expanded.args[segment.first + i];
      const char* what = nullptr;
      if (line.empty()) {
        what = "is empty";
      } else if (LeadingWhiteSpace(line) > 0 || EndsWithWhiteSpace(line)) {
        what = "has white space at an end";
      } else if (line[0] == '@') {
        what = "starts with @";
      }
      if (what != nullptr) {
        return absl::StrCat("line ", std::to_string(i + 1), " of argument file ", file, " ", what,
                            kReadsOtherwise);
      }
    }
  }
  return "";
}

std::string TooLongToExpand(absl::string_view compiler, absl::Span<const absl::string_view> args,
                            const CommandLineLimit& limit) {
  size_t total = 0, longest = 0;
  for (size_t i = 0; i <= args.size(); ++i) {
    const size_t size = (i == 0 ? compiler : args[i - 1]).size();
    // Windows: a space, two quotes, and room for escaped quotes; POSIX: a NUL
    // and a pointer.
    total += limit.windows ? size + 3 : size + 1 + sizeof(char*);
    longest = std::max(longest, size + 1);
  }
  const size_t room = limit.windows ? 0 : 4096;
  if (limit.one_arg != 0 && longest > limit.one_arg) {
    return absl::StrCat("an argument of ", std::to_string(longest - 1),
                        " bytes is past the system's limit of ", std::to_string(limit.one_arg - 1),
                        kFailsExpanded);
  }
  if (total + limit.taken + room > limit.total) {
    return absl::StrCat("the expanded command line (", std::to_string(total), " ",
                        limit.windows ? "characters" : "bytes", ", with the environment's ",
                        std::to_string(limit.taken), ") is past the system's limit of ",
                        std::to_string(limit.total), kFailsExpanded);
  }
  return "";
}

}  // namespace rustc_shim
