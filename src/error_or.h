// A value or the message saying why there is none.
//
// This stands where absl::StatusOr would: Abseil's status.h includes
// <iostream>, and in a static binary the iostream initializer builds the C++
// locale at every start (about 50,000 instructions, 50 us here: most of what
// rustc-shim cost over a bare exec). The shim's errors are messages for a log,
// so a message is all this carries.
#ifndef RUSTC_SHIM_ERROR_OR_H_
#define RUSTC_SHIM_ERROR_OR_H_

#include <optional>
#include <string>
#include <utility>

namespace rustc_shim {

// The error half of an ErrorOr, to return from a function that has one.
struct Error {
  std::string message;
};

// Holds a T, or an Error's message.
template <typename T>
class ErrorOr {
 public:
  ErrorOr(T value) : value_(std::move(value)) {}              // NOLINT: implicit, like StatusOr
  ErrorOr(Error error) : error_(std::move(error.message)) {}  // NOLINT

  bool ok() const { return value_.has_value(); }
  // The message; empty when ok().
  const std::string& error() const { return error_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T&& operator*() && { return *std::move(value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  std::string error_;
};

}  // namespace rustc_shim

#endif  // RUSTC_SHIM_ERROR_OR_H_
