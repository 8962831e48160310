// One table per enum that is written out: each value beside the text that
// the database, the audit log and the JSON outputs spell it with, so that
// writing a value and reading it back cannot disagree.
//
//   constexpr EnumText<Role> kRoleText[] = {{Role::kCustomer, "customer"}, ...};
//   ToText(kRoleText, Role::kAdmin)        // "admin"
//   FromText(kRoleText, "admin")           // Role::kAdmin
//
// Thread safety: constant data and pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace facetag {

template <typename Enum>
struct EnumText {
  Enum value;
  const char* text;
};

// The text of `value`; the first entry's for a value not in the table (an
// out-of-range cast), so that a text is always written.
template <typename Enum, std::size_t N>
constexpr const char* ToText(const EnumText<Enum> (&table)[N], Enum value) {
  for (const EnumText<Enum>& entry : table) {
    if (entry.value == value) return entry.text;
  }
  return table[0].text;
}

// The value spelt `text` (exactly); empty for any other text.
template <typename Enum, std::size_t N>
constexpr std::optional<Enum> FromText(const EnumText<Enum> (&table)[N], std::string_view text) {
  for (const EnumText<Enum>& entry : table) {
    if (text == entry.text) return entry.value;
  }
  return std::nullopt;
}

}  // namespace facetag
