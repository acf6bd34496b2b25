#include "argfile.h"

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
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
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
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
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

Expanded ExpandArgfiles(absl::Span<const absl::string_view> args, const ReadFileFn& read_file) {
  Expanded out;
  out.args.reserve(args.size());
  out.origins.reserve(args.size());
  ShellArgfilesWatch watch;
  auto push = [&](absl::string_view arg, int from, int line) {
    watch.See(arg);
    out.args.push_back(arg);
    out.origins.push_back({from, line});
  };
  auto fail = [&](int from, std::string message) {
    if (!out.failed_arg) {
      out.failed_arg = from;
      out.error = std::move(message);
    }
  };

  for (int i = 0; i < static_cast<int>(args.size()); ++i) {
    absl::string_view arg = args[i];
    if (arg.empty() || arg[0] != '@') {
      push(arg, i, 0);
      continue;
    }
    absl::string_view path = arg.substr(1);
    bool shell = false;
    if (watch.on() && absl::StartsWith(path, "shell:")) {
      path.remove_prefix(6);
      shell = true;
    }
    std::string path_string(path);
    absl::StatusOr<std::string> contents = read_file(path_string);
    if (!contents.ok()) {
      fail(i, absl::StrCat("cannot read argument file ", path_string, ": ",
                           contents.status().message()));
      continue;
    }
    if (!IsValidUtf8(*contents)) {
      fail(i, absl::StrCat("argument file ", path_string, " is not UTF-8"));
      continue;
    }
    const std::string& text = out.storage.emplace_back(*std::move(contents));
    int line = 0;
    if (shell) {
      std::optional<std::vector<std::string>> words = ShellSplit(text);
      if (!words) {
        fail(i, absl::StrCat("argument file ", path_string, " has unbalanced shell quoting"));
        continue;
      }
      for (std::string& word : *words) {
        push(out.storage.emplace_back(std::move(word)), i, ++line);
      }
      continue;
    }
    // Lines as Rust's str::lines() gives them: split at \n, drop one \r before
    // it, and no empty line after a final newline.
    absl::string_view rest = text;
    while (!rest.empty()) {
      size_t nl = rest.find('\n');
      absl::string_view piece = rest.substr(0, nl);
      rest = nl == absl::string_view::npos ? absl::string_view() : rest.substr(nl + 1);
      if (nl != absl::string_view::npos && absl::EndsWith(piece, "\r")) {
        piece.remove_suffix(1);
      }
      push(piece, i, ++line);
    }
  }
  return out;
}

}  // namespace rustc_shim
